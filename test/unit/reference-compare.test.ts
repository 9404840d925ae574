import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seedsSideBySide } from '../../bench/reference/compare';

test('npm run reference --seeds: each epoch as mean ± std on both sides, the difference of the means and Welch p', () => {
  const curve = (vals: number[], testAcc?: number) => ({ epochs: vals.map((v) => ({ val_accuracy: v })), test: testAcc });
  const text = seedsSideBySide(
    [42, 43, 44],
    [curve([0.5, 0.3], 0.5), curve([0.6], 0.6), curve([0.7], 0.7)],
    [curve([0.7, 0.4], 0.7), curve([0.8, 0.5], 0.8), curve([0.9, 0.6], 0.9)],
  );
  const lines = text.split('\n');
  assert.equal(lines[0], 'val_accuracy over seeds 42, 43, 44 (mean ± std)');
  // 0.5, 0.6, 0.7 against 0.7, 0.8, 0.9: means 0.6 and 0.8, sample std 0.1 each; Welch t = −2.449,
  // 4 degrees of freedom, two-sided p = 0.0705 (scipy.stats.ttest_ind(equal_var=False): 0.07048).
  assert.equal(lines[2], '    1 │ 0.6000 ± 0.1000 │ 0.8000 ± 0.1000 │ −0.2000 │ 0.070');
  // Epoch 2: one seed of ours reached it, three of PyTorch's (0.4, 0.5, 0.6); no test with one value.
  assert.equal(lines[3], '    2 │ 0.3000 (1 seed) │ 0.5000 ± 0.1000 │ −0.2000 │ –');
  assert.equal(lines[4], ' test │ 0.6000 ± 0.1000 │ 0.8000 ± 0.1000 │ −0.2000 │ 0.070');
  assert.equal(lines[5], 'last val_accuracy per seed: 42: ours 0.3000, PyTorch 0.4000; 43: ours 0.6000, PyTorch 0.5000; 44: ours 0.7000, PyTorch 0.6000');
  assert.equal(lines.length, 6);
});
