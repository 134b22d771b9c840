import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadavg } from 'node:os'
import { packSequences, timeContinuation, timeTrainFormat } from './bench/bench-graph'
import { TextTokenizer } from './src/main/engine/tokenizer'
const dir = '/tmp/speed-bench-model'
const tok = await TextTokenizer.load(join(dir, 'tokenizer.json'))
const enc = (JSON.parse(readFileSync(join(dir, 'bench_eval.json'), 'utf8')) as { text: string }[]).map((r) => tok.encode(r.text))
const seqs = packSequences(enc, 512, 8)
writeFileSync('/tmp/speed-train-seqs.json', JSON.stringify(seqs))
console.log('load before', loadavg())
const tr = await timeTrainFormat(join(dir, 'model.onnx'), seqs, 2, 2)
console.log(tr)
const c = await timeContinuation(join(dir, 'model.onnx'), enc.map((e) => e.slice(0, 96)), 2, 20, 64, 30, 2)
console.log(c)
console.log('load after', loadavg())
