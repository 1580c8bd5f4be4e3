import { initBackend } from '/work/evid/src-main/core/train/tf-backend';
const n = 18900, d = 768;
const X = new Float32Array(n * d); for (let i = 0; i < X.length; i++) X[i] = Math.random() - 0.5;
// JS loop, one query
let t = performance.now();
const q = X.subarray(0, d); const s = new Float32Array(n);
for (let rep = 0; rep < 5; rep++) for (let i = 0; i < n; i++) { let acc = 0; const o = i * d; for (let j = 0; j < d; j++) acc += X[o + j]! * q[j]!; s[i] = acc; }
console.log('js per query ms', (performance.now() - t) / 5);
const { tf } = await initBackend('wasm');
console.log(tf.getBackend());
const xs = tf.tensor2d(X, [n, d]);
for (const Q of [1, 8, 64, 256]) {
  t = performance.now();
  const qs = tf.tensor2d(X.subarray(0, Q * d), [Q, d]);
  const sims = tf.matMul(qs, xs, false, true);
  const top = tf.topk(sims, 64);
  await top.indices.data();
  console.log('tf Q', Q, 'ms', performance.now() - t, 'per query', (performance.now() - t) / Q);
  qs.dispose(); sims.dispose(); top.indices.dispose(); top.values.dispose();
}
t = performance.now();
for (let r = 0; r < 3; r++) { const qs = tf.tensor2d(X.subarray(0, 256 * d), [256, d]); const sims = tf.matMul(qs, xs, false, true); const top = tf.topk(sims, 64); await top.indices.data(); tf.dispose([qs, sims, top.indices, top.values]); }
console.log('tf Q256 x3 per query', (performance.now() - t) / 768);
