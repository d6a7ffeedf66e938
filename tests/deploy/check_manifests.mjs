// Offline checks of the Kubernetes manifests (deploy/k8s), run by ctest:
//   node tests/deploy/check_manifests.mjs --binary build/src/borgscope \
//     --source . deploy/k8s deploy/k8s/overlays/local ...
// For each kustomization: `kubectl kustomize` renders it (KUBECTL, default
// kubectl), the YAML parses, and then every object
// - validates against the Kubernetes API schemas (kubernetes-models, ajv) with
//   no unknown field, or for the custom resources against the fields their
//   operators require (MPIJob, Kafka, KafkaNodePool, KafkaTopic; the
//   ServiceMonitor against the Prometheus operator's schema too);
// - lives in the namespace borgscope; refers to claims, ConfigMaps, Services
//   and ports that exist;
// - runs the image scripts/image.sh builds (localhost/borgscope:<version>);
// - runs borgscope command lines that the binary accepts (`borgscope
//   --check-args ...` after $(VAR) expansion from the container's env), with
//   mpirun -np equal to the MPIJob's ranks and Kafka settings that match the
//   code (topics, partitions, bootstrap Service).
// Exit status 1 with every problem listed, 0 when all hold.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseAllDocuments } from "yaml";
import { unknownFields } from "./strict_fields.mjs";

export const NAMESPACE = "borgscope";

// Facts of the source tree the manifests must agree with.
export function sourceFacts(sourceDir) {
  const cmake = readFileSync(join(sourceDir, "CMakeLists.txt"), "utf8");
  const version = /project\(borgscope [^)]*VERSION ([0-9.]+)\)/.exec(cmake)?.[1];
  const broker = readFileSync(join(sourceDir, "src/stream/embedded_broker.h"), "utf8");
  const partitions = Number(/int partitions = (\d+);/.exec(broker)?.[1]);
  const message = readFileSync(join(sourceDir, "src/stream/event_message.h"), "utf8");
  const topics = [...message.matchAll(/k\w+EventsTopic = "([^"]+)"/g)].map((m) => m[1]);
  if (!version || !partitions || topics.length !== 2) {
    throw new Error("cannot read the version, partitions or topics from the source tree");
  }
  return { image: `localhost/borgscope:${version}`, partitions, topics };
}

export function render(kubectl, dir) {
  const result = spawnSync(kubectl, ["kustomize", dir], { encoding: "utf8" });
  if (result.error) throw new Error(`${kubectl} kustomize ${dir}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${kubectl} kustomize ${dir}: ${result.stderr}`);
  return result.stdout;
}

export function parseManifests(text) {
  const objects = [];
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length) throw new Error(`YAML: ${document.errors[0].message}`);
    const object = document.toJS();
    if (object !== null) objects.push(object);
  }
  return objects;
}

const name = (object) => `${object.kind}/${object.metadata?.name}`;

// --- Kubernetes API objects: kubernetes-models' schemas, strictly.

const CORE_KINDS = new Set([
  "v1/Namespace", "v1/PersistentVolumeClaim", "v1/ConfigMap", "v1/Service", "v1/Secret",
  "apps/v1/Deployment", "apps/v1/StatefulSet", "batch/v1/Job",
]);

async function validateModel(object, specifier, where, errors) {
  const module = await import(specifier);
  const Model = Object.values(module).find((value) => typeof value === "function");
  try {
    new Model(object).validate();
  } catch (error) {
    errors.push(`${where}: schema: ${error.message}`);
  }
  for (const problem of unknownFields(object, specifier)) errors.push(`${where}: schema: ${problem}`);
}

// --- Custom resources: the fields their operators require.

function need(errors, where, condition, what) {
  if (!condition) errors.push(`${where}: ${what}`);
}
const isInt = (value, min = 0) => Number.isInteger(value) && value >= min;
const isMap = (value) => value !== null && typeof value === "object" && !Array.isArray(value);
function onlyFields(errors, where, value, allowed) {
  if (!isMap(value)) return;
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) errors.push(`${where}: unknown field "${key}"`);
  }
}

// Kubeflow MPI Operator, kubeflow.org/v2beta1 MPIJob.
async function checkMpiJob(object, configMaps, errors) {
  const where = name(object);
  const spec = object.spec;
  need(errors, where, isMap(spec), "spec is required");
  if (!isMap(spec)) return;
  onlyFields(errors, `${where} spec`, spec, ["slotsPerWorker", "runPolicy", "mpiReplicaSpecs",
    "sshAuthMountPath", "launcherCreationPolicy", "mpiImplementation", "runLauncherAsWorker"]);
  need(errors, where, spec.slotsPerWorker === undefined || isInt(spec.slotsPerWorker, 1),
       "spec.slotsPerWorker must be an integer >= 1");
  need(errors, where, ["OpenMPI", "Intel", "MPICH", undefined].includes(spec.mpiImplementation),
       "spec.mpiImplementation must be OpenMPI, Intel or MPICH");
  need(errors, where,
       ["None", "Running", "All", undefined].includes(spec.runPolicy?.cleanPodPolicy),
       "spec.runPolicy.cleanPodPolicy must be None, Running or All");
  const replicaSpecs = spec.mpiReplicaSpecs;
  need(errors, where, isMap(replicaSpecs), "spec.mpiReplicaSpecs is required");
  if (!isMap(replicaSpecs)) return;
  onlyFields(errors, `${where} spec.mpiReplicaSpecs`, replicaSpecs, ["Launcher", "Worker"]);
  for (const role of ["Launcher", "Worker"]) {
    const replica = replicaSpecs[role];
    need(errors, where, isMap(replica), `spec.mpiReplicaSpecs.${role} is required`);
    if (!isMap(replica)) continue;
    onlyFields(errors, `${where} ${role}`, replica, ["replicas", "template", "restartPolicy"]);
    need(errors, where, isInt(replica.replicas, 1), `${role}.replicas must be an integer >= 1`);
    need(errors, where, role !== "Launcher" || replica.replicas === 1,
         "Launcher.replicas must be 1");
    need(errors, where, isMap(replica.template), `${role}.template is required`);
    if (isMap(replica.template)) {
      await validateModel(replica.template, "kubernetes-models/v1/PodTemplateSpec",
                          `${where} ${role}.template`, errors);
    }
  }
  // The launcher's mpirun starts one rank per slot: -np must be what exists.
  const ranks = (replicaSpecs.Worker?.replicas ?? 0) * (spec.slotsPerWorker ?? 1);
  for (const container of replicaSpecs.Launcher?.template?.spec?.containers ?? []) {
    const argv = [...(container.command ?? []), ...(container.args ?? [])];
    if (argv[0] !== "mpirun") continue;
    const np = argv.indexOf("-np");
    const value = np >= 0 ? expand(argv[np + 1], container, configMaps, []) : undefined;
    need(errors, where, Number(value) === ranks,
         `mpirun -np ${value} but Worker replicas x slotsPerWorker = ${ranks}`);
  }
  // Workers must serve ssh for the launcher, as the operator expects.
  for (const container of replicaSpecs.Worker?.template?.spec?.containers ?? []) {
    const argv = [...(container.command ?? []), ...(container.args ?? [])];
    need(errors, where, argv[0] === "/usr/sbin/sshd" &&
         argv.slice(1).some((word) => /^-[A-Za-z]*D/.test(word)),
         `Worker container ${container.name} must run /usr/sbin/sshd -D (the launcher's mpirun ` +
         `reaches the ranks over ssh)`);
  }
}

// Strimzi, kafka.strimzi.io/v1beta2: Kafka (KRaft, node pools), KafkaNodePool,
// KafkaTopic.
const LISTENER_TYPES = ["internal", "route", "loadbalancer", "nodeport", "ingress", "cluster-ip"];
function checkKafka(object, errors) {
  const where = name(object);
  const annotations = object.metadata?.annotations ?? {};
  need(errors, where, annotations["strimzi.io/kraft"] === "enabled",
       'metadata.annotations["strimzi.io/kraft"] must be "enabled" (KRaft, no ZooKeeper)');
  need(errors, where, annotations["strimzi.io/node-pools"] === "enabled",
       'metadata.annotations["strimzi.io/node-pools"] must be "enabled"');
  const spec = object.spec;
  need(errors, where, isMap(spec?.kafka), "spec.kafka is required");
  if (!isMap(spec?.kafka)) return;
  onlyFields(errors, `${where} spec`, spec, ["kafka", "entityOperator", "cruiseControl",
    "kafkaExporter", "clusterCa", "clientsCa", "maintenanceTimeWindows", "jmxTrans",
    "kafkaUI"]);
  need(errors, where, spec.zookeeper === undefined, "spec.zookeeper must not be set in KRaft mode");
  const listeners = spec.kafka.listeners;
  need(errors, where, Array.isArray(listeners) && listeners.length > 0,
       "spec.kafka.listeners must list at least one listener");
  for (const listener of Array.isArray(listeners) ? listeners : []) {
    need(errors, where, /^[a-z0-9]{1,11}$/.test(listener.name ?? ""),
         `listener name ${listener.name} must be 1-11 lower-case letters or digits`);
    need(errors, where, isInt(listener.port, 9092), `listener ${listener.name}: port >= 9092`);
    need(errors, where, LISTENER_TYPES.includes(listener.type),
         `listener ${listener.name}: type must be one of ${LISTENER_TYPES.join(", ")}`);
    need(errors, where, typeof listener.tls === "boolean",
         `listener ${listener.name}: tls (boolean) is required`);
  }
  need(errors, where, isMap(spec.entityOperator?.topicOperator),
       "spec.entityOperator.topicOperator is required (it creates the KafkaTopics)");
}

function checkKafkaNodePool(object, errors) {
  const where = name(object);
  const spec = object.spec;
  need(errors, where, typeof object.metadata?.labels?.["strimzi.io/cluster"] === "string",
       'metadata.labels["strimzi.io/cluster"] is required');
  need(errors, where, isMap(spec), "spec is required");
  if (!isMap(spec)) return;
  need(errors, where, isInt(spec.replicas, 1), "spec.replicas must be an integer >= 1");
  need(errors, where, Array.isArray(spec.roles) && spec.roles.length > 0 &&
       spec.roles.every((role) => ["controller", "broker"].includes(role)),
       "spec.roles must list controller and/or broker");
  const storage = spec.storage;
  need(errors, where, ["jbod", "persistent-claim", "ephemeral"].includes(storage?.type),
       "spec.storage.type must be jbod, persistent-claim or ephemeral");
  const volumes = storage?.type === "jbod" ? storage.volumes : storage ? [storage] : [];
  need(errors, where, Array.isArray(volumes) && volumes.length > 0,
       "spec.storage.volumes must list at least one volume");
  for (const volume of Array.isArray(volumes) ? volumes : []) {
    need(errors, where, storage.type !== "jbod" || isInt(volume.id, 0),
         "every jbod volume needs an integer id");
    need(errors, where, ["persistent-claim", "ephemeral"].includes(volume.type),
         "every volume's type must be persistent-claim or ephemeral");
    need(errors, where, volume.type !== "persistent-claim" || /^\d+[KMGT]i?$/.test(volume.size),
         "a persistent-claim volume needs a size such as 100Gi");
  }
}

function checkKafkaTopic(object, errors) {
  const where = name(object);
  need(errors, where, typeof object.metadata?.labels?.["strimzi.io/cluster"] === "string",
       'metadata.labels["strimzi.io/cluster"] is required (the Topic Operator ignores it otherwise)');
  const spec = object.spec;
  need(errors, where, isMap(spec), "spec is required");
  if (!isMap(spec)) return;
  onlyFields(errors, `${where} spec`, spec, ["topicName", "partitions", "replicas", "config"]);
  need(errors, where, isInt(spec.partitions, 1), "spec.partitions must be an integer >= 1");
  need(errors, where, isInt(spec.replicas, 1), "spec.replicas must be an integer >= 1");
}

async function checkServiceMonitor(object, errors) {
  const where = name(object);
  await validateModel(object,
      "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor", where,
      errors);
  const endpoints = object.spec?.endpoints;
  need(errors, where, Array.isArray(endpoints) && endpoints.length > 0,
       "spec.endpoints must list at least one endpoint");
  for (const endpoint of Array.isArray(endpoints) ? endpoints : []) {
    need(errors, where, typeof endpoint.port === "string" || endpoint.targetPort !== undefined,
         "every endpoint needs a port (the Service's port name)");
  }
  need(errors, where, isMap(object.spec?.selector), "spec.selector is required");
}

// --- Pods: images, references and borgscope command lines.

// Every pod template of an object, with a label for messages.
function podTemplates(object) {
  if (["Deployment", "StatefulSet", "Job"].includes(object.kind)) {
    return [[name(object), object.spec?.template]];
  }
  if (object.kind === "MPIJob") {
    return Object.entries(object.spec?.mpiReplicaSpecs ?? {}).map(
        ([role, replica]) => [`${name(object)} ${role}`, replica?.template]);
  }
  return [];
}

// $(NAME) in a command line, as Kubernetes expands it: from the container's
// env (value, configMapKeyRef) and envFrom (configMapRef).
export function expand(word, container, configMaps, errors, where = "") {
  if (typeof word !== "string") return String(word);
  return word.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (text, variable) => {
    for (const env of container.env ?? []) {
      if (env.name !== variable) continue;
      if (env.value !== undefined) return env.value;
      const ref = env.valueFrom?.configMapKeyRef;
      const value = ref && configMaps.get(ref.name)?.[ref.key];
      if (value !== undefined) return value;
    }
    for (const source of container.envFrom ?? []) {
      const value = configMaps.get(source.configMapRef?.name)?.[variable];
      if (value !== undefined) return value;
    }
    errors.push(`${where}: $(${variable}) is not defined in the container's environment`);
    return text;
  });
}

function checkPods(objects, facts, configMaps, errors, commandLines) {
  const claims = new Set(objects.filter((o) => o.kind === "PersistentVolumeClaim")
                                .map((o) => o.metadata.name));
  for (const object of objects) {
    for (const [where, template] of podTemplates(object)) {
      const spec = template?.spec ?? {};
      for (const volume of spec.volumes ?? []) {
        const claim = volume.persistentVolumeClaim?.claimName;
        need(errors, where, claim === undefined || claims.has(claim),
             `volume ${volume.name}: no PersistentVolumeClaim ${claim}`);
        const map = volume.configMap?.name;
        need(errors, where, map === undefined || configMaps.has(map),
             `volume ${volume.name}: no ConfigMap ${map}`);
      }
      const volumeNames = new Set((spec.volumes ?? []).map((v) => v.name));
      for (const container of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
        const at = `${where} container ${container.name}`;
        need(errors, at, container.image === facts.image,
             `image ${container.image}, not the one scripts/image.sh builds (${facts.image})`);
        for (const source of container.envFrom ?? []) {
          const map = source.configMapRef?.name;
          need(errors, at, map === undefined || configMaps.has(map), `envFrom: no ConfigMap ${map}`);
        }
        for (const mount of container.volumeMounts ?? []) {
          need(errors, at, volumeNames.has(mount.name), `volumeMount ${mount.name}: no such volume`);
        }
        const argv = [...(container.command ?? []), ...(container.args ?? [])]
                         .map((word) => expand(word, container, configMaps, errors, at));
        const start = argv.indexOf("borgscope");
        if (start >= 0) {
          commandLines.push({ where: at, argv: argv.slice(start) });
        } else if (argv.some((word) => /\bborgscope\b/.test(word))) {
          errors.push(`${at}: runs borgscope inside a shell string; give it as its own ` +
                      `command words so that its arguments can be checked`);
        }
      }
    }
  }
}

// The binary's own parser on each command line, without running it.
function checkCommandLines(binary, commandLines, errors) {
  for (const { where, argv } of commandLines) {
    const result = spawnSync(binary, ["--check-args", ...argv.slice(1)], { encoding: "utf8" });
    if (result.error) {
      errors.push(`${where}: cannot run ${binary}: ${result.error.message}`);
    } else if (result.status !== 0) {
      errors.push(`${where}: borgscope rejects \`${argv.join(" ")}\`: ` +
                  `${(result.stderr || result.stdout).trim()}`);
    }
  }
}

// --- Cross-object facts: Services, the ServiceMonitor, Kafka and the code.

function labelsMatch(selector, labels) {
  return Object.entries(selector ?? {}).every(([key, value]) => labels?.[key] === value);
}

function checkWiring(objects, facts, configMaps, errors) {
  const services = objects.filter((o) => o.kind === "Service");
  const pods = objects.flatMap(podTemplates);
  for (const service of services) {
    const where = name(service);
    const selected = pods.filter(([, template]) =>
        labelsMatch(service.spec?.selector, template?.metadata?.labels));
    need(errors, where, selected.length > 0, "its selector matches no pod template");
    for (const port of service.spec?.ports ?? []) {
      if (typeof port.targetPort !== "string") continue;
      const named = selected.some(([, template]) => (template.spec?.containers ?? []).some(
          (c) => (c.ports ?? []).some((p) => p.name === port.targetPort)));
      need(errors, where, named, `targetPort ${port.targetPort} is no container port it selects`);
    }
  }
  for (const monitor of objects.filter((o) => o.kind === "ServiceMonitor")) {
    const where = name(monitor);
    const selected = services.filter((s) =>
        labelsMatch(monitor.spec?.selector?.matchLabels, s.metadata?.labels));
    need(errors, where, selected.length > 0, "its selector matches no Service");
    for (const endpoint of monitor.spec?.endpoints ?? []) {
      need(errors, where, selected.some((s) => (s.spec?.ports ?? []).some(
               (p) => p.name === endpoint.port)),
           `endpoint port ${endpoint.port} is no port of the Services it selects`);
    }
  }
  const dashboards = objects.filter(
      (o) => o.kind === "ConfigMap" && o.metadata?.labels?.grafana_dashboard === "1");
  need(errors, "Grafana", dashboards.length === 1,
       'one ConfigMap labelled grafana_dashboard: "1" (the dashboard) is expected');
  for (const dashboard of dashboards) {
    for (const [file, text] of Object.entries(dashboard.data ?? {})) {
      try {
        const json = JSON.parse(text);
        need(errors, name(dashboard), Array.isArray(json.panels) && json.panels.length > 0,
             `${file} has no panels`);
      } catch (error) {
        errors.push(`${name(dashboard)}: ${file} is not JSON: ${error.message}`);
      }
    }
  }

  const kafkas = objects.filter((o) => o.kind === "Kafka");
  if (kafkas.length === 0) return;
  const clusters = new Set(kafkas.map((k) => k.metadata.name));
  const pools = objects.filter((o) => o.kind === "KafkaNodePool");
  for (const object of [...pools, ...objects.filter((o) => o.kind === "KafkaTopic")]) {
    const cluster = object.metadata?.labels?.["strimzi.io/cluster"];
    need(errors, name(object), clusters.has(cluster), `strimzi.io/cluster ${cluster}: no such Kafka`);
  }
  for (const kafka of kafkas) {
    const mine = pools.filter((p) => p.metadata?.labels?.["strimzi.io/cluster"] === kafka.metadata.name);
    for (const role of ["controller", "broker"]) {
      need(errors, name(kafka), mine.some((p) => (p.spec?.roles ?? []).includes(role)),
           `no KafkaNodePool has the ${role} role (KRaft needs both)`);
    }
  }
  const brokers = pools.filter((p) => (p.spec?.roles ?? []).includes("broker"))
                       .reduce((sum, p) => sum + (p.spec?.replicas ?? 0), 0);
  const topics = objects.filter((o) => o.kind === "KafkaTopic");
  for (const topic of facts.topics) {
    const object = topics.find((t) => (t.spec?.topicName ?? t.metadata?.name) === topic);
    need(errors, "KafkaTopics", object !== undefined, `no KafkaTopic for ${topic} (src/stream)`);
    if (!object) continue;
    need(errors, name(object), object.spec?.partitions === facts.partitions,
         `partitions ${object.spec?.partitions}, but replay and stream are built and tested ` +
         `for ${facts.partitions} (BrokerOptions::partitions)`);
    need(errors, name(object), (object.spec?.replicas ?? 0) <= brokers,
         `replicas ${object.spec?.replicas} > the ${brokers} brokers`);
  }
  // The brokers the commands are given: the bootstrap Service Strimzi makes.
  const expected = kafkas.flatMap((k) => (k.spec?.kafka?.listeners ?? [])
      .filter((l) => l.type === "internal" && l.tls === false)
      .map((l) => `${k.metadata.name}-kafka-bootstrap:${l.port}`));
  for (const [mapName, data] of configMaps) {
    if (data.KAFKA_BROKERS === undefined) continue;
    need(errors, `ConfigMap/${mapName}`, expected.includes(data.KAFKA_BROKERS),
         `KAFKA_BROKERS ${data.KAFKA_BROKERS} is none of Strimzi's plain bootstrap ` +
         `addresses (${expected.join(", ")})`);
  }
}

// Every check on the objects of one rendering; returns the problems and the
// borgscope command lines that were checked.
export async function checkObjects(objects, facts, binary) {
  const errors = [];
  const commandLines = [];
  const configMaps = new Map(objects.filter((o) => o.kind === "ConfigMap")
                                    .map((o) => [o.metadata.name, o.data ?? {}]));
  for (const object of objects) {
    const where = name(object);
    const apiKind = `${object.apiVersion}/${object.kind}`;
    if (object.kind !== "Namespace") {
      need(errors, where, object.metadata?.namespace === NAMESPACE,
           `namespace ${object.metadata?.namespace}, not ${NAMESPACE}`);
    }
    if (CORE_KINDS.has(apiKind)) {
      const [group, version] = object.apiVersion.includes("/") ? object.apiVersion.split("/")
                                                              : [null, object.apiVersion];
      const path = group ? `${group}/${version}` : version;
      await validateModel(object, `kubernetes-models/${path}/${object.kind}`, where, errors);
    } else if (apiKind === "kubeflow.org/v2beta1/MPIJob") {
      await checkMpiJob(object, configMaps, errors);
    } else if (apiKind === "kafka.strimzi.io/v1beta2/Kafka") {
      checkKafka(object, errors);
    } else if (apiKind === "kafka.strimzi.io/v1beta2/KafkaNodePool") {
      checkKafkaNodePool(object, errors);
    } else if (apiKind === "kafka.strimzi.io/v1beta2/KafkaTopic") {
      checkKafkaTopic(object, errors);
    } else if (apiKind === "monitoring.coreos.com/v1/ServiceMonitor") {
      await checkServiceMonitor(object, errors);
    } else {
      errors.push(`${where}: ${apiKind} is no kind these checks know`);
    }
  }
  checkPods(objects, facts, configMaps, errors, commandLines);
  checkWiring(objects, facts, configMaps, errors);
  if (binary) checkCommandLines(binary, commandLines, errors);
  return { errors, commandLines };
}

async function main(args) {
  let binary = null;
  let sourceDir = ".";
  const dirs = [];
  for (let i = 0; i < args.length; ++i) {
    if (args[i] === "--binary") binary = args[++i];
    else if (args[i] === "--source") sourceDir = args[++i];
    else dirs.push(args[i]);
  }
  if (!binary || dirs.length === 0) {
    console.error("usage: check_manifests.mjs --binary BORGSCOPE [--source DIR] KUSTOMIZATION...");
    return 2;
  }
  const kubectl = process.env.KUBECTL || "kubectl";
  const facts = sourceFacts(sourceDir);
  let failed = false;
  for (const dir of dirs) {
    let objects;
    try {
      objects = parseManifests(render(kubectl, dir));
    } catch (error) {
      console.error(`${dir}: ${error.message}`);
      failed = true;
      continue;
    }
    const { errors, commandLines } = await checkObjects(objects, facts, binary);
    const kinds = [...new Set(objects.map((o) => o.kind))].join(", ");
    console.log(`${dir}: ${objects.length} objects (${kinds}); ` +
                `${commandLines.length} borgscope command lines`);
    for (const { where, argv } of commandLines) console.log(`  ${where}: ${argv.join(" ")}`);
    if (commandLines.length === 0) errors.push(`${dir}: no borgscope command line at all`);
    for (const error of errors) console.error(`${dir}: ${error}`);
    failed ||= errors.length > 0;
  }
  console.log(failed ? "manifests: FAILED" : "manifests: all checks passed");
  return failed ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
