package dev.smallsd.hub;

/**
 * A Hub repository named with an optional revision, {@code owner/name[@revision]} (e.g. {@code madebyollin/taesd} or
 * {@code madebyollin/taesd@main}), as {@code builder().vae(...)} and the CLI's {@code --vae} accept it. The revision
 * is everything after the first {@code @} (it may contain {@code /}, as {@code refs/pr/1} does). Only the split is done
 * here; the repo id and revision are checked when they are used.
 *
 * @param repoId the repo id
 * @param revision the revision, or {@code null} for {@value HubDownloader#DEFAULT_REVISION}
 */
public record RepoRef(String repoId, String revision) {
    /**
     * @param text {@code owner/name} or {@code owner/name@revision}
     * @return the parts
     * @throws IllegalArgumentException when the text is empty or has an empty revision after {@code @}
     */
    public static RepoRef parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("empty Hub repo id: expected 'owner/name' or 'owner/name@revision'");
        }
        int at = text.indexOf('@');
        if (at < 0) {
            return new RepoRef(text, null);
        }
        if (at == text.length() - 1) {
            throw new IllegalArgumentException("'" + text + "' has an empty revision after '@': expected"
                    + " 'owner/name@revision' (a branch, tag or commit)");
        }
        return new RepoRef(text.substring(0, at), text.substring(at + 1));
    }

    @Override
    public String toString() {
        return revision == null ? repoId : repoId + "@" + revision;
    }
}
