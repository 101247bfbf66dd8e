package dev.smallsd;

/** What happens to an image the safety checker flags. */
public enum SafetyMode {
    /** Replace a flagged image by a black image and set its flag (diffusers' behaviour; the default). */
    BLOCK,
    /** Keep the image and set its flag. */
    FLAG_ONLY,
    /** Run no checker at all (chosen only explicitly; a warning is logged once). */
    OFF
}
