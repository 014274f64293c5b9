import { loadSpec } from '../core/data/spec';
import { readDataset } from '../core/data/read';
import { prepareForConfig } from '../core/experiment';
import { datasetEvalRadius } from '../core/evaluate/eval-radius';
import { parseTrainConfig } from '../core/train/config';
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const { spec, baseDir } = await loadSpec('resources/samples/mfeat/spec.json');
const data = prepareForConfig(await readDataset(spec, baseDir), parseTrainConfig({ method: 'erm', seed: 0 }));
for (let r = 0; r < 2; r++) { const c0 = cpu(); const e = datasetEvalRadius(data); console.log('radius', (cpu() - c0).toFixed(0), 'ms CPU', e.bEval); }
