/**
 * The thin layer from the plan's data to Docker resources. Every service component declares its
 * containers and data volumes through here, so they all get the same treatment. The site's Docker
 * provider reaches every resource through `opts.providers` on the stack component and parent
 * inheritance; a Loki container on one of `lokiHosts` names its host's provider in its context.
 */
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { MadeSecret, SecretValue } from "../plan/settings/secrets";
import { DockerHost } from "../plan/settings/core";
import { ContainerSpec, DataVolume, resourceName } from "../plan/shared/spec";

/** Secrets the stack makes (the Grafana password, a development certificate), by the name the plan refers to them. */
export type StackSecrets = Partial<Record<MadeSecret, pulumi.Output<string>>>;

/** What every service component needs from the stack around it. */
export interface ServiceContext {
  /** The stack's networks by name; each container joins those its spec names. */
  networks: Record<string, docker.Network>;
  /** Secrets the plan refers to by name. */
  secrets: StackSecrets;
  /** Where host directories are created (production only): the Docker host's address, if remote. */
  dockerHost?: DockerHost;
  /** The Docker provider of another host than the site's (`lokiHosts`); unset, resources inherit the site's. */
  provider?: docker.Provider;
  /** Production data is protected from `pulumi destroy`. */
  protectData: boolean;
}

/** A plan's secret as an output the engine keeps secret in state and previews. */
export function secretOutput(value: SecretValue, secrets: StackSecrets): pulumi.Output<string> {
  if (value.kind === "secret-ref") {
    const made = secrets[value.ref];
    if (made === undefined) {
      throw new pulumi.RunError(`the plan refers to \`${value.ref}\`, which this stack does not make`);
    }
    return pulumi.secret(made);
  }
  if (value.text === null) {
    // Only `npm run render` seals values; the program always receives them decrypted.
    throw new pulumi.RunError("a secret setting could not be decrypted; check the stack's secrets provider");
  }
  return pulumi.secret(value.text);
}

/**
 * Declares a data volume: a named Docker volume, or a host directory created with the owner the
 * service runs as (without it, Loki fails on its first write). What is protected is the data: a
 * named volume in production is protected and kept if removed from the program. The step that
 * creates a host directory is not protected, so a new `volumeRoot`, owner or script goes through
 * with `pulumi up`: it has an `update` command, so a change runs it again in place instead of
 * replacing it (pulumi-command `provider/pkg/provider/local/commandController.go`, `Update` runs
 * `update`, else `create`; the SDK's `triggers` doc: "If the update command was provided the
 * resource will be updated, otherwise it will be replaced"). It has no delete command, so
 * removing it, or destroying the stack, leaves the directory and its data in place.
 */
export function declareDataVolume(volume: DataVolume, ctx: ServiceContext, parent: pulumi.Resource): pulumi.Resource {
  if (volume.volumeName !== undefined) {
    return new docker.Volume(
      `${volume.service}-data`,
      { name: volume.volumeName, labels: [{ label: "org.flip.service", value: volume.service }] },
      { parent, protect: ctx.protectData, retainOnDelete: ctx.protectData, ...onHost(ctx) },
    );
  }
  const script = hostDirectoryScript(volume);
  if (ctx.dockerHost?.kind === "ssh") {
    return new command.remote.Command(
      `${volume.service}-data-dir`,
      {
        connection: {
          host: ctx.dockerHost.host,
          port: ctx.dockerHost.port,
          ...(ctx.dockerHost.user ? { user: ctx.dockerHost.user } : {}),
        },
        create: script,
        update: script,
      },
      { parent },
    );
  }
  return new command.local.Command(
    `${volume.service}-data-dir`,
    { create: script, update: script, interpreter: ["/bin/sh", "-c"] },
    { parent },
  );
}

/**
 * The shell script that creates a host data directory with its owner. It never deletes and is
 * safe to run again on an existing directory.
 */
export function hostDirectoryScript(volume: DataVolume): string {
  const dir = shellQuote(volume.hostPath as string);
  return [
    "set -eu",
    // Operators run Pulumi as themselves; creating root-owned parents needs sudo unless already root.
    'if [ "$(id -u)" -eq 0 ]; then SUDO=; else SUDO="sudo -n"; fi',
    `$SUDO mkdir -p ${dir}`,
    `$SUDO chown ${volume.uid}:${volume.gid} ${dir}`,
    `$SUDO chmod 0750 ${dir}`,
  ].join("\n");
}

/** The resource option that puts a Docker resource on the context's host, when that is not the site's. */
function onHost(ctx: ServiceContext): { provider?: docker.Provider } {
  return ctx.provider === undefined ? {} : { provider: ctx.provider };
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Declares one container from its spec, after `dependsOn` (data, other containers). Secrets are
 * kept secret one by one (an env entry, an uploaded file), so the rest of the container's inputs
 * stay readable in `pulumi preview --diff`.
 */
export function declareContainer(
  spec: ContainerSpec,
  ctx: ServiceContext,
  parent: pulumi.Resource,
  dependsOn: pulumi.Resource[],
): docker.Container {
  const name = resourceName(spec);
  const image = new docker.RemoteImage(`${name}-image`, { name: spec.image, keepLocally: true }, { parent, ...onHost(ctx) });
  const envs = Object.entries(spec.env).map(([key, value]) =>
    typeof value === "string" ? `${key}=${value}` : secretOutput(value, ctx.secrets).apply((text) => `${key}=${text}`),
  );
  const uploads = [
    ...spec.uploads.map((upload) => ({ file: upload.path, content: upload.content, permissions: "0644" })),
    // Docker copies uploads in as root:root; Grafana runs as group 0, so group-readable is enough.
    ...spec.secretFiles.map((file) => ({ file: file.path, content: secretOutput(file.secret, ctx.secrets), permissions: "0440" })),
  ];
  return new docker.Container(
    name,
    {
      name: spec.name,
      image: image.imageId,
      command: spec.command,
      ...(spec.entrypoint ? { entrypoints: spec.entrypoint } : {}),
      ...(spec.workingDir ? { workingDir: spec.workingDir } : {}),
      envs,
      ports: spec.ports,
      mounts: spec.mounts,
      labels: Object.entries(spec.labels).map(([label, value]) => ({ label, value })),
      networksAdvanced: spec.networks.map((name) => ({ name, aliases: [spec.service] })),
      restart: spec.restart,
      ...(spec.healthcheck
        ? {
            healthcheck: {
              tests: spec.healthcheck.test,
              interval: spec.healthcheck.interval,
              timeout: spec.healthcheck.timeout,
              retries: spec.healthcheck.retries,
              startPeriod: spec.healthcheck.startPeriod,
            },
            // Dependants are declared after this container reports healthy.
            wait: true,
            waitTimeout: 180,
          }
        : {}),
      ...(spec.user ? { user: spec.user } : {}),
      uploads,
      logDriver: spec.logDriver.name,
      logOpts: spec.logDriver.options,
      stopTimeout: spec.stopGracePeriodSeconds,
      destroyGraceSeconds: spec.stopGracePeriodSeconds,
      capabilities: { drops: spec.capabilities.drop, adds: spec.capabilities.add },
      securityOpts: spec.securityOpts,
    },
    {
      parent,
      ...onHost(ctx),
      dependsOn: [...spec.networks.map((name) => ctx.networks[name]), ...dependsOn],
      // The name is fixed, so the old container must go before its replacement can take the name.
      deleteBeforeReplace: true,
    },
  );
}

/** Arguments of a service that keeps data: its container, its data and what must run first. */
export interface DataServiceArgs {
  /** The service's container spec. */
  spec: ContainerSpec;
  /** Where its data lives, computed once by the plan. */
  data: DataVolume;
  /** The stack around it. */
  context: ServiceContext;
  /** Resources that must be ready before the container starts (Loki, for Alloy and Grafana). */
  after?: pulumi.Resource[];
}

/** A service with a data volume and one container started after it: Loki, Alloy and Grafana. */
export abstract class DataService extends pulumi.ComponentResource {
  /** The service's container. */
  readonly container: docker.Container;

  protected constructor(type: string, name: string, args: DataServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super(type, name, {}, opts);
    const data = declareDataVolume(args.data, args.context, this);
    this.container = declareContainer(args.spec, args.context, this, [data, ...(args.after ?? [])]);
    this.registerOutputs({ containerName: this.container.name });
  }
}
