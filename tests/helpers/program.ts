/**
 * Runs the Pulumi program under Pulumi's own mocks: config set first, then `index.ts` imported,
 * every declared resource recorded with its inputs and options.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { rawConfigFromStackYaml } from "../../components/plan/config-source";

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

/** The config of a stack file in the project (`Pulumi.<stack>.yaml`), with changes on top. */
export function stackFileConfig(stack: string, changes: StackConfig = { values: {} }): StackConfig {
  const file = `Pulumi.${stack}.yaml`;
  const raw = rawConfigFromStackYaml(fs.readFileSync(path.join(__dirname, "..", "..", file), "utf8"), file);
  const values: Record<string, string> = {};
  for (const [key, entry] of Object.entries(raw.entries)) {
    if (entry.value !== undefined) {
      values[key] = entry.value;
    }
  }
  return { values: { ...values, ...changes.values }, secrets: changes.secrets };
}

/** Sets mocks and config for a stack; import the program after this. */
export function mockStack(stack: string, config: StackConfig): DeclaredResource[] {
  const declared: DeclaredResource[] = [];
  pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        declared.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
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
  const full = Object.fromEntries(Object.entries(config.values).map(([key, value]) => [`flip-logging:${key}`, value]));
  pulumi.runtime.setAllConfig(full, (config.secrets ?? []).map((key) => `flip-logging:${key}`));
  return declared;
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
  // runInPulumiStack is the SDK's entry for a program; it is not in the typed surface.
  const runtime = pulumi.runtime as unknown as { runInPulumiStack(init: () => Promise<unknown>): Promise<unknown> };
  await runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      options.set(`${args.type} ${args.name}`, args.opts as pulumi.CustomResourceOptions);
      return undefined;
    });
    program = load();
    return {};
  });
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
