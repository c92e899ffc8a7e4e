// Generated from src/ by `deno task gen` (scripts/gen_bundle.ts); do not edit.
import {
  __name
} from "./shared-cli-daytona-doctor-http-init-modern-server-tasks.js";

// src/sandbox.ts
var SandboxError = class extends Error {
  static {
    __name(this, "SandboxError");
  }
  /** The id of the sandbox concerned, when it has one. */
  sandboxId;
  /** Creates the error; `sandboxId` names the sandbox concerned. */
  constructor(message, options) {
    super(message, options);
    this.name = "SandboxError";
    this.sandboxId = options?.sandboxId;
  }
};
var SandboxFileError = class extends SandboxError {
  static {
    __name(this, "SandboxFileError");
  }
  /** Why the operation failed. */
  code;
  /** Creates the error. */
  constructor(code, message, options) {
    super(message, options);
    this.name = "SandboxFileError";
    this.code = code;
  }
};

export {
  SandboxError,
  SandboxFileError
};
