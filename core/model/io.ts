/**
 * Saving and loading a model in the TensorFlow.js file format: `model.json` (topology + a
 * `weightsManifest`) and `weights.bin` (float32, little-endian, in manifest order).
 * The topology is our network spec (format "drmm-multimodal"), not a Keras graph.
 * Beside them, `model.onnx`: the same network as an ONNX inference graph (opset 17), for use outside
 * the workbench — inputs per modality (intermediate and late fusion) or one `features` input of the
 * modalities side by side in the spec's order (early fusion, logistic regression), each a float32
 * [rows, width] of the prepared (standardised, encoded) features; output `probabilities` [rows, classes].
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildInferenceGraph } from '../engine/onnx/network-graphs';
import { DrmmError } from '../errors';
import { MultimodalNetwork, type NetworkSpec } from './network';
import { MultimodalModel } from './model';

export const MODEL_FORMAT = 'drmm-multimodal';

interface ModelJson {
  format: string;
  generatedBy: string;
  convertedBy: null;
  modelTopology: { spec: NetworkSpec; classes: string[] };
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: 'float32' }[] }[];
}

export async function saveNetwork(net: MultimodalNetwork, classes: string[], dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const weights = net.named.map(({ name, v }) => ({ name, shape: v.shape.slice(), dtype: 'float32' as const }));
  const total = net.named.reduce((s, { v }) => s + v.size, 0);
  const buf = new Float32Array(total);
  let off = 0;
  for (const { v } of net.named) { buf.set(v.dataSync() as Float32Array, off); off += v.size; }
  const json: ModelJson = {
    format: MODEL_FORMAT,
    generatedBy: `DRMM Workbench (TensorFlow.js ${tf.version_core})`,
    convertedBy: null,
    modelTopology: { spec: net.spec, classes },
    weightsManifest: [{ paths: ['weights.bin'], weights }],
  };
  await writeFile(path.join(dir, 'model.json'), JSON.stringify(json, null, 1));
  await writeFile(path.join(dir, 'weights.bin'), Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
  await writeFile(path.join(dir, 'model.onnx'), onnxModel(net));
}

/** The network as an ONNX inference graph (see the header). */
export function onnxModel(net: MultimodalNetwork): Uint8Array {
  const inputs = net.inputGroups.length === 1 && net.spec.widths.length > 1 ? ['features'] : net.inputGroups.map((g) => net.spec.modalityNames[g[0]]);
  const weights = net.named.map(({ name, v }) => ({ name, values: v.dataSync() as Float32Array }));
  return buildInferenceGraph(net.layout(), net.spec.nClasses, weights, inputs);
}

/** Loads a model saved by `saveModel`/`TrainedModel.save`. */
export async function loadModel(dir: string): Promise<MultimodalModel> {
  const file = path.join(dir, 'model.json');
  let json: ModelJson;
  try {
    json = JSON.parse(await readFile(file, 'utf8')) as ModelJson;
  } catch (e) {
    throw new DrmmError('FILE_NOT_FOUND', `Cannot read a model at ${file}.`, { location: { file }, hint: 'Choose the folder holding model.json and weights.bin.', cause: e });
  }
  if (json.format !== MODEL_FORMAT) {
    throw new DrmmError('INVALID_ARGUMENT', `${file} is not a DRMM model (format '${json.format}').`, { location: { file }, hint: 'Load a model exported by DRMM Workbench.' });
  }
  const manifest = json.weightsManifest[0];
  const bin = await readFile(path.join(dir, manifest.paths[0]));
  const all = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  const net = new MultimodalNetwork(json.modelTopology.spec, 0);
  const byName = new Map(net.named.map((n) => [n.name, n.v]));
  let off = 0;
  for (const w of manifest.weights) {
    const size = w.shape.reduce((a, b) => a * b, 1);
    const v = byName.get(w.name);
    if (!v || v.size !== size) {
      net.dispose();
      throw new DrmmError('INVALID_ARGUMENT', `${file}: weight '${w.name}' does not fit the model.`, { location: { file }, hint: 'The model files are damaged or from another version.' });
    }
    const t = tf.tensor(all.subarray(off, off + size), w.shape);
    v.assign(t);
    t.dispose();
    off += size;
  }
  return new MultimodalModel(net, json.modelTopology.classes);
}

/** Saves a trained model (TensorFlow.js format). */
export async function saveModel(model: MultimodalModel, dir: string): Promise<void> {
  await saveNetwork(model.network, model.classes, dir);
}
