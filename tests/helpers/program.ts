/**
 * Runs the Pulumi program under Pulumi's own mocks: config set first, then `index.ts` imported,
 * every declared resource recorded with its inputs and options.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { checkStack, configSet, stackConfigOf } from "./pulumi-cli";

const PROJECT_NAME = "flip-logging";

/** One resource the program declared. */
export interface DeclaredResource {
  /** Pulumi type token. */
  type: string;
  /** Logical name. */
  name: string;
  /** Inputs as the engine received them (secrets unwrapped). */
  inputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Provider reference, if any. */
  provider?: string;
  /**
   * Inputs exactly as the program sent them to the engine, before the mocks' deserializer, which
   * marks a whole list or object secret when any part of it is (`@pulumi/pulumi/runtime/rpc.js`,
   * `deserializeProperty`: "push secretness up to the top level"). The engine keeps a secret where
   * it is nested (pulumi/pulumi `sdk/go/common/resource/plugin/rpc.go`, `UnmarshalPropertyValue`),
   * so this is what a preview shows as `[secret]`.
   */
  wire: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** The Docker containers among the declared resources. */
export function declaredContainers(declared: DeclaredResource[]): DeclaredResource[] {
  return declared.filter((resource) => resource.type === "docker:index/container:Container");
}

/** The declared container with this Docker name (e.g. `dev-loki`). */
export function declaredContainer(declared: DeclaredResource[], dockerName: string): DeclaredResource {
  const found = declaredContainers(declared).find((resource) => resource.inputs.name === dockerName);
  if (!found) {
    throw new Error(`no container ${dockerName}; declared: ${declaredContainers(declared).map((c) => c.inputs.name).join(", ")}`);
  }
  return found;
}

/** Config of one test stack: values by setting name, and which of them are secrets. */
export interface StackConfig {
  values: Record<string, string>;
  secrets?: string[];
}

/**
 * The config the program receives for a stack file of the project (`Pulumi.<stack>.yaml`) with
 * changes on top: passed through the CLI's checks and default merging, as `pulumi up` does.
 */
export function stackFileConfig(stack: string, changes: StackConfig = { values: {} }): StackConfig {
  const root = path.join(__dirname, "..", "..");
  let config = stackConfigOf(fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8"));
  for (const [key, value] of Object.entries(changes.values)) {
    config = configSet(PROJECT_NAME, config, [...((changes.secrets ?? []).includes(key) ? ["--secret"] : []), key, value]);
  }
  const project = YAML.parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")).config;
  const result = checkStack(PROJECT_NAME, project, stack, config);
  if ("error" in result) {
    throw new Error(result.error);
  }
  const short = (fullKey: string) => fullKey.replace(`${PROJECT_NAME}:`, "");
  return {
    values: Object.fromEntries(Object.entries(result.config.values).map(([key, value]) => [short(key), value])),
    secrets: result.config.secretKeys.map(short),
  };
}

interface WireRequest {
  getType(): string;
  getName(): string;
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}

/** Sets mocks and config for a stack; import the program after this. */
export function mockStack(stack: string, config: StackConfig): DeclaredResource[] {
  const declared: DeclaredResource[] = [];
  pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        declared.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider, wire: wire.get(`${args.type}::${args.name}`) ?? {} });
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "docker:index/remoteImage:RemoteImage") {
          state.imageId = `sha256:${args.name}`;
        }
        if (args.type === "random:index/randomPassword:RandomPassword") {
          state.result = "generated-password-xyz";
        }
        return { id: `${args.name}-id`, state };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        return args.inputs;
      },
    },
    "flip-logging",
    stack,
    false,
  );
  // The mock monitor hands newResource deserialized inputs; keep what arrived on the wire too.
  const wire = new Map<string, Record<string, unknown>>();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { getMonitor } = require("@pulumi/pulumi/runtime/settings") as {
    getMonitor(): { registerResource(req: WireRequest, callback: unknown): unknown };
  };
  const monitor = getMonitor();
  const registerResource = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    wire.set(`${req.getType()}::${req.getName()}`, req.getObject()?.toJavaScript() ?? {});
    return registerResource(req, callback);
  };
  // A key that already names a namespace is passed as it is (for namespace typos).
  const fullKey = (key: string) => (key.includes(":") ? key : `flip-logging:${key}`);
  const full = Object.fromEntries(Object.entries(config.values).map(([key, value]) => [fullKey(key), value]));
  pulumi.runtime.setAllConfig(full, (config.secrets ?? []).map(fullKey));
  return declared;
}

/**
 * Imports the program afresh on a stack's config, as a `pulumi up` that may fail: what it threw,
 * if anything, and what it had declared once registrations settled.
 */
export async function tryProgram(stack: string, config: StackConfig): Promise<{ error: unknown; declared: DeclaredResource[] }> {
  let result: { error: unknown; declared: DeclaredResource[] } | undefined;
  await jest.isolateModulesAsync(async () => {
    // A fresh copy of these helpers and of Pulumi's runtime, so each run starts from no state.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const fresh = require("./program") as typeof import("./program");
    const declared = fresh.mockStack(stack, config);
    let error: unknown;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require("../../index");
    } catch (thrown) {
      error = thrown;
    }
    await fresh.settle();
    result = { error, declared };
  });
  return result as { error: unknown; declared: DeclaredResource[] };
}

/** Resource options the program gave, by `type name`, recorded through a stack transformation. */
export type DeclaredOptions = Map<string, pulumi.CustomResourceOptions>;

/**
 * Imports `index.ts` inside a root stack, as `pulumi up` does, recording every resource's options
 * (protect, retainOnDelete, deleteBeforeReplace, dependsOn), which the mocks do not see.
 */
export async function runProgram<T>(load: () => T): Promise<{ program: T; options: DeclaredOptions }> {
  const options: DeclaredOptions = new Map();
  let program: T | undefined;
  let failure: unknown;
  // runInPulumiStack is the SDK's entry for a program; it is not in the typed surface.
  const runtime = pulumi.runtime as unknown as { runInPulumiStack(init: () => Promise<unknown>): Promise<unknown> };
  await runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      options.set(`${args.type} ${args.name}`, args.opts as pulumi.CustomResourceOptions);
      return undefined;
    });
    try {
      program = load();
    } catch (error) {
      // Thrown inside the stack, it would reach no test and end the whole jest run.
      failure = error;
    }
    return {};
  });
  if (failure !== undefined) {
    throw failure;
  }
  await settle();
  return { program: program as T, options };
}

/** The value of an output, awaited. */
export function valueOf<T>(output: pulumi.Output<T> | T): Promise<T> {
  return new Promise((resolve) => pulumi.output(output).apply((value) => resolve(value as T)));
}

/** Waits until the program's resource registrations have reached the mocks. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

// Pulumi's wire markers for a secret value, as the mocks receive secret inputs.
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Whether an input reached the engine marked secret. */
export function isSecretInput(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG;
}

/** An input with any secret marker removed. */
export function plain<T = any>(value: unknown): T { // eslint-disable-line @typescript-eslint/no-explicit-any
  return (isSecretInput(value) ? (value as { value: unknown }).value : value) as T;
}

/** A list input as an array (the mocks may hand lists over as index-keyed objects). */
export function list<T = any>(value: unknown): T[] { // eslint-disable-line @typescript-eslint/no-explicit-any
  const unwrapped = plain(value);
  if (unwrapped === undefined || unwrapped === null) {
    return [];
  }
  return Array.isArray(unwrapped) ? unwrapped : Object.values(unwrapped as object);
}
