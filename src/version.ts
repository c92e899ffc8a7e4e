/** The version of this module, as published. */
export const VERSION = "0.1.0";
