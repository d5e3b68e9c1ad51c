/**
 * The thin layer from a `ContainerSpec` to Docker resources. Every service component declares
 * its containers and data volumes through here, so they all get the same treatment.
 */
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { DockerHost } from "./settings";
import { ContainerSpec, DataVolume, SecretRef } from "./spec";

/** What every service component needs from the stack around it. */
export interface ServiceContext {
  /** Docker provider of the site's engine; undefined uses the default provider. */
  provider?: docker.Provider;
  /** The stack's network; containers join it by name. */
  network: docker.Network;
  /** Secret values the specs refer to by name. */
  secrets: Record<SecretRef["secret"], pulumi.Input<string>>;
  /** Where host directories are created (production only): the Docker host's address, if remote. */
  dockerHost?: DockerHost;
  /** Production data is protected from `pulumi destroy`. */
  protectData: boolean;
}

/** Options of a Docker resource: its parent, and the site's provider when the engine is not the local default. */
export function providerOptions(ctx: ServiceContext, parent: pulumi.Resource): pulumi.CustomResourceOptions {
  return { parent, ...(ctx.provider ? { provider: ctx.provider } : {}) };
}

/**
 * Declares a data volume: a named Docker volume, or a host directory created with the owner the
 * service runs as (without it, Loki fails on its first write). Both outlive `pulumi destroy`
 * when `protectData` is set.
 */
export function declareDataVolume(volume: DataVolume, ctx: ServiceContext, parent: pulumi.Resource): pulumi.Resource {
  const keep = { protect: ctx.protectData, retainOnDelete: ctx.protectData };
  if (volume.volumeName !== undefined) {
    return new docker.Volume(
      `${volume.service}-data`,
      { name: volume.volumeName, labels: [{ label: "org.flip.service", value: volume.service }] },
      { ...providerOptions(ctx, parent), ...keep },
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
        triggers: [script],
      },
      { parent, ...keep },
    );
  }
  return new command.local.Command(
    `${volume.service}-data-dir`,
    { create: script, interpreter: ["/bin/sh", "-c"], triggers: [script] },
    { parent, ...keep },
  );
}

/**
 * The shell script that creates a host data directory with its owner. It never deletes: there is
 * no delete command, so removing the resource leaves the data in place.
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

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Declares one container from its spec, after `dependsOn` (images, data, other containers). */
export function declareContainer(
  spec: ContainerSpec,
  ctx: ServiceContext,
  parent: pulumi.Resource,
  dependsOn: pulumi.Resource[],
): docker.Container {
  const image = new docker.RemoteImage(
    `${spec.service}-image`,
    { name: spec.image, keepLocally: true },
    providerOptions(ctx, parent),
  );
  const hasSecret = Object.values(spec.env).some((value) => typeof value !== "string");
  const envs = pulumi.all(
    Object.entries(spec.env).map(([key, value]) =>
      pulumi.output(typeof value === "string" ? value : ctx.secrets[value.secret]).apply((text) => `${key}=${text}`),
    ),
  );
  return new docker.Container(
    spec.service,
    {
      name: spec.name,
      image: image.imageId,
      command: spec.command,
      ...(spec.entrypoint ? { entrypoints: spec.entrypoint } : {}),
      ...(spec.workingDir ? { workingDir: spec.workingDir } : {}),
      envs: hasSecret ? pulumi.secret(envs) : envs,
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
      uploads: spec.uploads.map((upload) => ({ file: upload.path, content: upload.content, permissions: "0644" })),
      logDriver: spec.logDriver.name,
      logOpts: spec.logDriver.options,
      stopTimeout: spec.stopGracePeriodSeconds,
      destroyGraceSeconds: spec.stopGracePeriodSeconds,
      capabilities: { drops: spec.capabilities.drop, adds: spec.capabilities.add },
      securityOpts: spec.securityOpts,
    },
    {
      ...providerOptions(ctx, parent),
      dependsOn: [ctx.network, ...dependsOn],
      // The name is fixed, so the old container must go before its replacement can take the name.
      deleteBeforeReplace: true,
    },
  );
}

/** Arguments of a service that keeps data: its container, its data and what must run first. */
export interface DataServiceArgs {
  /** The service's container spec. */
  spec: ContainerSpec;
  /** Where its data lives. */
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
