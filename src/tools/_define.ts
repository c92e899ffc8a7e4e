// What a tool is: the shape every tool file exports (name, title, description, schemas,
// annotations, function, presentation), the two functions that check a definition, and the
// pieces of presentation tools share. src/registry.ts lists the definitions.

import type { z } from "npm:zod@4.6.7";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/types"
import type {
  CallToolResult,
  ToolAnnotations,
} from "npm:@modelcontextprotocol/sdk@1.32.2/types.js";
import type { Sandbox } from "../sandbox.ts";
import type { SandboxSession } from "../session.ts";
import type { ToolRunOptions } from "./_common.ts";

/** What every tool definition holds besides its function. */
interface ToolFields<Output> {
  /** The MCP tool name (snake_case, as the original server named it). */
  name: string;
  /** A short human title; also the title of the annotations. */
  title: string;
  /** What the tool does, for the model. */
  description: string;
  /** zod shape of the arguments. */
  inputSchema: z.ZodRawShape;
  /** zod shape of the structured result. */
  outputSchema: z.ZodRawShape;
  /** MCP hints; every field is set explicitly because the spec's defaults assume the worst. */
  annotations: ToolAnnotations;
  /** Turns the function's output into an MCP tool result. */
  present: (output: Output) => CallToolResult;
  /**
   * Whether a client may run it as a task (a handle at once, the result later): set for work that
   * can outlast a client's timeout. @default false
   */
  task?: boolean;
}

/** A tool that works in one sandbox: what its file exports and the registry lists. */
export interface ToolDefinition<Input, Output> extends ToolFields<Output> {
  /** The tool function; a property, not a method, so that its types are checked strictly. */
  run: (sandbox: Sandbox, input: Input, options: ToolRunOptions) => Promise<Output>;
}

/** A tool that manages the session's sandboxes instead of working in one. */
export interface SessionToolDefinition<Input, Output> extends ToolFields<Output> {
  /** The tool function. */
  run: (session: SandboxSession, input: Input, options: ToolRunOptions) => Promise<Output>;
}

/**
 * The four MCP hints, each set explicitly (the spec's defaults assume the worst: a tool that is
 * not read-only, destructive, not idempotent, reaching the open world).
 */
export interface ToolHints {
  /** Whether it only reads. */
  readOnlyHint: boolean;
  /** Whether it may destroy or overwrite data. */
  destructiveHint: boolean;
  /** Whether calling it again with the same arguments changes nothing more. */
  idempotentHint: boolean;
  /** Whether it reaches beyond the sandbox (the internet, other sandboxes, the provider). */
  openWorldHint: boolean;
}

/** A tool definition whatever its input and output types. */
// deno-lint-ignore no-explicit-any
export type AnyToolDefinition = ToolDefinition<any, any>;

/** A session tool definition whatever its input and output types. */
// deno-lint-ignore no-explicit-any
export type AnySessionToolDefinition = SessionToolDefinition<any, any>;

/**
 * A tool result whose structured content has a known type. (Not `CallToolResult & …`: an
 * intersection with it would stop TypeScript inferring `Structured`.)
 */
export interface Presented<Structured> {
  /** What the model reads: the structured content as JSON text, then any files or images. */
  content: CallToolResult["content"];
  /** What the output schema describes. */
  structuredContent: Structured;
  /** Whether the call failed. */
  isError: boolean;
}

/** What a tool file writes: the definition, with annotations not repeating the title. */
interface ToolSpec<InputShape, OutputShape, Input, Output, Structured, Target> {
  name: string;
  title: string;
  description: string;
  /** Must parse to exactly the function's input type, else this property fails to type-check. */
  inputSchema: InputShape & NoInfer<InputAgrees<Input, Parsed<InputShape>>>;
  outputSchema: OutputShape;
  /** The hints; their title is the tool's. */
  annotations: ToolHints;
  run: (target: Target, input: Input, options: ToolRunOptions) => Promise<Output>;
  present: (output: Output) => Presented<Structured>;
  /** Whether a client may run it as a task. @default false */
  task?: boolean;
}

/** What a zod shape parses to. */
type Parsed<Shape> = Shape extends z.ZodRawShape ? z.output<z.ZodObject<Shape>> : never;

/** Whether two types are the same type, not merely assignable one way or both. */
type Same<A, B> = (<T>() => T extends Flat<A> ? 1 : 2) extends (<T>() => T extends Flat<B> ? 1 : 2)
  ? true
  : false;

/** An object type with its properties spelled out, so that `A & B` and `{ ...A, ...B }` compare equal. */
type Flat<T> = { [K in keyof T]: T[K] };

/** Nothing when the function's input type is what the schema parses to; else a missing property. */
type InputAgrees<Input, Parsed> = Same<Input, Parsed> extends true ? unknown
  : { "the input type differs from inputSchema": { declared: Input; schema: Parsed } };

/**
 * `Definition` when the structured content `present` returns is exactly what the output schema
 * describes; else a type that is no definition at all, so that the `const` holding it (or the
 * registry's list) fails to type-check. (Checked here, in the result, because a check inside the
 * argument would stop TypeScript inferring `Structured` from `present`.)
 */
type OutputAgrees<Definition, Structured, Parsed> = Same<Structured, Parsed> extends true
  ? Definition
  : {
    "the structuredContent type differs from outputSchema": {
      declared: Structured;
      schema: Parsed;
    };
  };

/**
 * Defines a tool that works in a sandbox. Fails to type-check when the function's input type is
 * not exactly what `inputSchema` parses to, or the structured content `present` returns is not
 * exactly what `outputSchema` describes, in either direction: a field, required or optional,
 * added to one side only is an error.
 */
export function defineTool<
  InputShape extends z.ZodRawShape,
  OutputShape extends z.ZodRawShape,
  Input,
  Output,
  Structured,
>(
  tool: ToolSpec<InputShape, OutputShape, Input, Output, Structured, Sandbox>,
): OutputAgrees<ToolDefinition<Input, Output>, Structured, Parsed<OutputShape>> {
  return finish(tool) as unknown as OutputAgrees<
    ToolDefinition<Input, Output>,
    Structured,
    Parsed<OutputShape>
  >;
}

/** Defines a tool that manages the session's sandboxes, checked as {@linkcode defineTool} does. */
export function defineSessionTool<
  InputShape extends z.ZodRawShape,
  OutputShape extends z.ZodRawShape,
  Input,
  Output,
  Structured,
>(
  tool: ToolSpec<InputShape, OutputShape, Input, Output, Structured, SandboxSession>,
): OutputAgrees<SessionToolDefinition<Input, Output>, Structured, Parsed<OutputShape>> {
  return finish(tool) as unknown as OutputAgrees<
    SessionToolDefinition<Input, Output>,
    Structured,
    Parsed<OutputShape>
  >;
}

/** The definition a spec makes: the annotations get the title. */
function finish<Spec extends { title: string; annotations: ToolHints }>(
  spec: Spec,
): Spec & { annotations: ToolAnnotations } {
  return { ...spec, annotations: { title: spec.title, ...spec.annotations } };
}

/** A result whose structured content is `output` itself, mirrored as JSON text. */
export function presentJson<Structured extends object>(
  output: Structured,
  isError: boolean,
): Presented<Structured> {
  return {
    content: [{ type: "text", text: JSON.stringify(output) }],
    structuredContent: output,
    isError,
  };
}

/** Hints for tools that run code in the sandbox: anything may happen, inside and out. */
export const RUNS_CODE: ToolHints = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: false,
  openWorldHint: true,
};

/** Hints for tools that write a file (in the sandbox or a shared directory), replacing one. */
export const WRITES_FILE: ToolHints = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: true,
  openWorldHint: false,
};

/** Hints for tools that only read the sandbox. */
export const READ_ONLY: ToolHints = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};
