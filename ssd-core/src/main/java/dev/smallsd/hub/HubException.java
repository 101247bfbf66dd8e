package dev.smallsd.hub;

/**
 * Getting a model from the Hugging Face Hub (or from its cache) failed. The message names the repository, the
 * revision and, where it applies, the file, and says what to do; {@link #reason()} classifies the failure.
 */
public class HubException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What kind of failure happened. */
    public enum Reason {
        /** HTTP 401/403: the repository is private or gated (or does not exist) and no valid token gives access. */
        UNAUTHORIZED,
        /** HTTP 404: the repository, revision or file does not exist. */
        NOT_FOUND,
        /** Offline (HF_HUB_OFFLINE, or the network is unreachable) and the cache lacks what is needed. */
        OFFLINE_MISSING,
        /** A downloaded file does not match the checksum or size the Hub announced. */
        CHECKSUM_MISMATCH,
        /** The network failed and bounded retries did not help, or the download was interrupted. */
        NETWORK,
        /** The server answered something a Hub does not answer (missing headers, malformed JSON, bad status). */
        INVALID_RESPONSE,
        /** The repository is not a usable diffusers pipeline (no model_index.json, a component without weights). */
        INVALID_REPOSITORY,
        /** The local cache could not be read or written. */
        LOCAL_IO
    }

    /** The kind of failure. */
    private final Reason reason;

    /**
     * @param reason the kind of failure
     * @param message what failed and what to do
     */
    public HubException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    /**
     * @param reason the kind of failure
     * @param message what failed and what to do
     * @param cause the underlying failure
     */
    public HubException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** @return the kind of failure */
    public Reason reason() {
        return reason;
    }
}
