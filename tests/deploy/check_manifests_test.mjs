// The manifest checks can fail: each test breaks the rendered deploy/k8s in
// one way and expects check_manifests.mjs to say so (and the unbroken
// rendering to pass). Run by ctest:
//   BORGSCOPE_BINARY=build/src/borgscope BORGSCOPE_SOURCE_DIR=. \
//     node --test tests/deploy/check_manifests_test.mjs
import assert from "node:assert/strict";
import { test } from "node:test";
import { join } from "node:path";
import { checkObjects, parseManifests, render, sourceFacts } from "./check_manifests.mjs";

const sourceDir = process.env.BORGSCOPE_SOURCE_DIR ?? ".";
const binary = process.env.BORGSCOPE_BINARY;
assert.ok(binary, "BORGSCOPE_BINARY must name the borgscope binary");
const facts = sourceFacts(sourceDir);
const kubectl = process.env.KUBECTL || "kubectl";
const cloud = parseManifests(render(kubectl, join(sourceDir, "deploy/k8s/overlays/cloud")));
const local = parseManifests(render(kubectl, join(sourceDir, "deploy/k8s/overlays/local")));

const find = (objects, kind, name) =>
  objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
const containerOf = (objects, kind, name, container) => {
  const object = find(objects, kind, name);
  const spec = object.kind === "MPIJob" ? object.spec.mpiReplicaSpecs.Launcher.template.spec
                                        : object.spec.template.spec;
  return [...(spec.initContainers ?? []), ...spec.containers].find((c) => c.name === container);
};

// Checks a copy of `objects` after `breakIt` changed it; the problems must
// include one matching `expected`.
async function expectProblem(objects, breakIt, expected) {
  const copy = structuredClone(objects);
  breakIt(copy);
  const { errors } = await checkObjects(copy, facts, binary);
  assert.ok(errors.some((error) => expected.test(error)),
            `expected a problem matching ${expected}, got:\n${errors.join("\n") || "(none)"}`);
}

test("the manifests as committed pass", async () => {
  for (const objects of [cloud, local]) {
    const { errors, commandLines } = await checkObjects(structuredClone(objects), facts, binary);
    assert.deepEqual(errors, []);
    assert.ok(commandLines.length >= 3);
  }
});

test("a misspelled field of a Kubernetes object", () => expectProblem(cloud, (o) => {
  containerOf(o, "Deployment", "borgscope-stream", "stream").comand = ["borgscope"];
}, /Deployment\/borgscope-stream: schema: .*unknown field "comand"/));

test("a value of the wrong type", () => expectProblem(cloud, (o) => {
  find(o, "Job", "borgscope-fetch").spec.backoffLimit = "three";
}, /Job\/borgscope-fetch: schema: .*backoffLimit must be integer/));

test("a required field missing", () => expectProblem(cloud, (o) => {
  delete find(o, "Deployment", "borgscope-stream").spec.selector;
}, /schema: .*must have required property selector/));

test("another image", () => expectProblem(cloud, (o) => {
  containerOf(o, "Job", "borgscope-replay", "replay").image = "borgscope:latest";
}, /image borgscope:latest, not the one scripts\/image.sh builds/));

test("an option borgscope does not have", () => expectProblem(cloud, (o) => {
  containerOf(o, "Deployment", "borgscope-stream", "stream").command.push("--frobnicate");
}, /borgscope rejects `borgscope stream .*--frobnicate`/));

test("a value borgscope rejects only when it runs (window)", () => expectProblem(cloud, (o) => {
  find(o, "ConfigMap", "borgscope-params").data.STREAM_WINDOW = "1 hour";
}, /borgscope rejects `borgscope stream .*--window 1 hour`.*--window expects a duration/));

test("an analysis that does not exist", () => expectProblem(cloud, (o) => {
  containerOf(o, "MPIJob", "borgscope-analyze", "launcher").command.push("--only", "q3,q12");
}, /borgscope rejects `borgscope analyze .*unknown analysis 'q12'/));

test("a bad shard range in the parameters", () => expectProblem(local, (o) => {
  find(o, "ConfigMap", "borgscope-params").data.FETCH_SHARDS = "9-2";
}, /borgscope rejects `borgscope fetch .*--shards expects A-B/));

test("an unknown table to fetch", () => expectProblem(local, (o) => {
  find(o, "ConfigMap", "borgscope-params").data.FETCH_TABLES = "task_event";
}, /borgscope rejects `borgscope fetch/));

test("a variable the container does not have", () => expectProblem(cloud, (o) => {
  containerOf(o, "Job", "borgscope-replay", "replay").command.push("--rate", "$(NOPE)");
}, /\$\(NOPE\) is not defined/));

test("borgscope hidden in a shell string", () => expectProblem(cloud, (o) => {
  containerOf(o, "Job", "borgscope-fetch", "mark-fetched").command =
      ["sh", "-c", "borgscope analyze --trace /data/trace"];
}, /runs borgscope inside a shell string/));

test("mpirun -np unlike the workers", () => expectProblem(cloud, (o) => {
  find(o, "MPIJob").spec.mpiReplicaSpecs.Worker.replicas = 3;
}, /mpirun -np 4 but Worker replicas x slotsPerWorker = 3/));

test("an MPIJob without workers", () => expectProblem(cloud, (o) => {
  delete find(o, "MPIJob").spec.mpiReplicaSpecs.Worker;
}, /spec.mpiReplicaSpecs.Worker is required/));

test("MPI workers that do not serve ssh", () => expectProblem(local, (o) => {
  find(o, "MPIJob").spec.mpiReplicaSpecs.Worker.template.spec.containers[0].command = ["sleep"];
}, /must run \/usr\/sbin\/sshd -D/));

test("a misspelled field in an MPIJob's pod template", () => expectProblem(cloud, (o) => {
  find(o, "MPIJob").spec.mpiReplicaSpecs.Launcher.template.spec.restartpolicy = "Never";
}, /Launcher.template: schema: .*unknown field "restartpolicy"/));

test("a Kafka without KRaft", () => expectProblem(cloud, (o) => {
  delete find(o, "Kafka").metadata.annotations["strimzi.io/kraft"];
}, /strimzi.io\/kraft/));

test("a Kafka listener without tls", () => expectProblem(cloud, (o) => {
  delete find(o, "Kafka").spec.kafka.listeners[0].tls;
}, /tls \(boolean\) is required/));

test("a node pool without the controller role", () => expectProblem(cloud, (o) => {
  find(o, "KafkaNodePool").spec.roles = ["broker"];
}, /no KafkaNodePool has the controller role/));

test("a topic with other partitions than replay expects", () => expectProblem(cloud, (o) => {
  find(o, "KafkaTopic", "task-events").spec.partitions = 8;
}, /partitions 8, but replay and stream are built and tested for 32/));

test("a topic of no cluster", () => expectProblem(cloud, (o) => {
  delete find(o, "KafkaTopic", "job-events").metadata.labels["strimzi.io/cluster"];
}, /strimzi.io\/cluster"\] is required/));

test("a missing topic", () => expectProblem(cloud, (o) => {
  o.splice(o.indexOf(find(o, "KafkaTopic", "job-events")), 1);
}, /no KafkaTopic for job-events/));

test("brokers that are not Strimzi's bootstrap Service", () => expectProblem(cloud, (o) => {
  find(o, "ConfigMap", "borgscope-params").data.KAFKA_BROKERS = "kafka:9092";
}, /KAFKA_BROKERS kafka:9092 is none of Strimzi's plain bootstrap addresses/));

test("a ServiceMonitor field of the wrong type", () => expectProblem(cloud, (o) => {
  find(o, "ServiceMonitor").spec.endpoints[0].interval = 5;
}, /ServiceMonitor\/borgscope-stream: schema: .*interval/));

test("a ServiceMonitor on a port the Service does not have", () => expectProblem(cloud, (o) => {
  find(o, "ServiceMonitor").spec.endpoints[0].port = "http";
}, /endpoint port http is no port of the Services it selects/));

test("a Service that selects no pod", () => expectProblem(local, (o) => {
  find(o, "Service").spec.selector = { "app.kubernetes.io/name": "nothing" };
}, /Service\/borgscope-stream: its selector matches no pod template/));

test("a claim that does not exist", () => expectProblem(cloud, (o) => {
  find(o, "Job", "borgscope-replay").spec.template.spec.volumes[0].persistentVolumeClaim
      .claimName = "borgscope-dta";
}, /no PersistentVolumeClaim borgscope-dta/));

test("an object outside the namespace", () => expectProblem(local, (o) => {
  find(o, "ConfigMap", "borgscope-grafana-dashboard").metadata.namespace = "default";
}, /namespace default, not borgscope/));

test("a dashboard that is not JSON", () => expectProblem(local, (o) => {
  const dashboard = find(o, "ConfigMap", "borgscope-grafana-dashboard");
  dashboard.data["borgscope-stream.json"] = "{";
}, /is not JSON/));

test("a kind the checks do not know", () => expectProblem(local, (o) => {
  o.push({ apiVersion: "example.com/v1", kind: "Thing", metadata: { name: "x",
           namespace: "borgscope" } });
}, /example.com\/v1\/Thing is no kind these checks know/));
