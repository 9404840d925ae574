/*
 * Small matrix products in WebAssembly SIMD, for the Dense layers of a training step.
 *
 * XNNPACK (tfjs's wasm backend) pays a fixed cost per product, about 110 µs here: it creates an
 * operator and packs the right operand every time that operand is a new tensor, which the weights
 * are after every update. For the products of a small batch (32 × 100 × 100: 320,000
 * multiply-adds) that cost is larger than the arithmetic. These kernels read the operands where
 * the wasm backend keeps them (this module imports the backend's memory) and write into an output
 * the backend allocated: nothing is packed, nothing is copied.
 *
 * Rules that keep this module safe inside someone else's memory: no static data, no stack (every
 * value lives in locals), no calls to a C library. `test/unit/smallmm.test.ts` checks the built
 * module has no data, global or import other than the memory.
 *
 * Build: `node scripts/build-wasm.mjs` (clang and lld from Debian: apt-get install clang lld).
 * Row-major float32 matrices; pointers are byte offsets into the backend's memory.
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))
#define ADD wasm_f32x4_add
#define MUL wasm_f32x4_mul
/*
 * acc + x·y in the matrix products. Built twice (scripts/build-wasm.mjs): smallmm.wasm with a
 * multiply and an add, smallmm-fma.wasm with relaxed SIMD's fused multiply-add (one instruction,
 * one rounding; on a CPU without FMA the engine computes it as the multiply and the add). Only
 * the products use it: the optimizers' updates and batch norm keep their exact operation order.
 */
#ifdef SMALLMM_FMA
#define MADD(x, y, acc) wasm_f32x4_relaxed_madd(x, y, acc)
#else
#define MADD(x, y, acc) ADD(acc, MUL(x, y))
#endif
#define SPLAT wasm_f32x4_splat
#define LOAD(p) wasm_v128_load(p)
#define STORE(p, v) wasm_v128_store(p, v)

/*
 * C[M×N] = op(A) · B[K×N], where op(A)[m][k] = A[m·sam + k·sak]:
 *   A·B  (A stored M×K): sam = K, sak = 1;   Aᵀ·B (A stored K×M): sam = 1, sak = M.
 * Blocks of 4 rows × 8 columns of C in 8 vector accumulators; each step over k loads two vectors
 * of B's row k and broadcasts one element of each of the 4 rows of op(A).
 */
EXPORT("mm_nb")
void mm_nb(const float *A, int sam, int sak, const float *B, float *C, int M, int K, int N) {
  int m = 0;
  for (; m + 4 <= M; m += 4) {
    const float *a0 = A + m * sam, *a1 = a0 + sam, *a2 = a1 + sam, *a3 = a2 + sam;
    float *c0 = C + m * N, *c1 = c0 + N, *c2 = c1 + N, *c3 = c2 + N;
    int n = 0;
    for (; n + 8 <= N; n += 8) {
      v128_t z = wasm_f32x4_const_splat(0.f);
      v128_t s00 = z, s01 = z, s10 = z, s11 = z, s20 = z, s21 = z, s30 = z, s31 = z;
      const float *b = B + n;
      for (int k = 0, ak = 0; k < K; k++, ak += sak, b += N) {
        v128_t b0 = LOAD(b), b1 = LOAD(b + 4), x;
        x = SPLAT(a0[ak]); s00 = MADD(x, b0, s00); s01 = MADD(x, b1, s01);
        x = SPLAT(a1[ak]); s10 = MADD(x, b0, s10); s11 = MADD(x, b1, s11);
        x = SPLAT(a2[ak]); s20 = MADD(x, b0, s20); s21 = MADD(x, b1, s21);
        x = SPLAT(a3[ak]); s30 = MADD(x, b0, s30); s31 = MADD(x, b1, s31);
      }
      STORE(c0 + n, s00); STORE(c0 + n + 4, s01);
      STORE(c1 + n, s10); STORE(c1 + n + 4, s11);
      STORE(c2 + n, s20); STORE(c2 + n + 4, s21);
      STORE(c3 + n, s30); STORE(c3 + n + 4, s31);
    }
    for (; n + 4 <= N; n += 4) {
      v128_t z = wasm_f32x4_const_splat(0.f);
      v128_t s0 = z, s1 = z, s2 = z, s3 = z;
      const float *b = B + n;
      for (int k = 0, ak = 0; k < K; k++, ak += sak, b += N) {
        v128_t b0 = LOAD(b);
        s0 = MADD(SPLAT(a0[ak]), b0, s0);
        s1 = MADD(SPLAT(a1[ak]), b0, s1);
        s2 = MADD(SPLAT(a2[ak]), b0, s2);
        s3 = MADD(SPLAT(a3[ak]), b0, s3);
      }
      STORE(c0 + n, s0); STORE(c1 + n, s1); STORE(c2 + n, s2); STORE(c3 + n, s3);
    }
    for (; n < N; n++) {
      float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      const float *b = B + n;
      for (int k = 0, ak = 0; k < K; k++, ak += sak, b += N) {
        s0 += a0[ak] * *b; s1 += a1[ak] * *b; s2 += a2[ak] * *b; s3 += a3[ak] * *b;
      }
      c0[n] = s0; c1[n] = s1; c2[n] = s2; c3[n] = s3;
    }
  }
  for (; m < M; m++) {
    const float *a0 = A + m * sam;
    float *c0 = C + m * N;
    int n = 0;
    for (; n + 8 <= N; n += 8) {
      v128_t s0 = wasm_f32x4_const_splat(0.f), s1 = s0;
      const float *b = B + n;
      for (int k = 0, ak = 0; k < K; k++, ak += sak, b += N) {
        v128_t x = SPLAT(a0[ak]);
        s0 = MADD(x, LOAD(b), s0);
        s1 = MADD(x, LOAD(b + 4), s1);
      }
      STORE(c0 + n, s0); STORE(c0 + n + 4, s1);
    }
    for (; n < N; n++) {
      float s = 0;
      const float *b = B + n;
      for (int k = 0, ak = 0; k < K; k++, ak += sak, b += N) s += a0[ak] * *b;
      c0[n] = s;
    }
  }
}

static inline float hsum(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3);
}

/*
 * C[M×N] = A[M×K] · Bᵀ, B stored N×K: every element is a dot product of two contiguous rows.
 * Blocks of 2 rows of A × 4 rows of B in 8 vector accumulators, summed across lanes at the end;
 * the last K mod 4 terms are added one by one.
 */
EXPORT("mm_nt")
void mm_nt(const float *A, const float *B, float *C, int M, int K, int N) {
  const int K4 = K & ~3;
  int m = 0;
  for (; m + 2 <= M; m += 2) {
    const float *a0 = A + m * K, *a1 = a0 + K;
    int n = 0;
    for (; n + 4 <= N; n += 4) {
      const float *b0 = B + n * K, *b1 = b0 + K, *b2 = b1 + K, *b3 = b2 + K;
      v128_t z = wasm_f32x4_const_splat(0.f);
      v128_t s00 = z, s01 = z, s02 = z, s03 = z, s10 = z, s11 = z, s12 = z, s13 = z;
      for (int k = 0; k < K4; k += 4) {
        v128_t x0 = LOAD(a0 + k), x1 = LOAD(a1 + k), y;
        y = LOAD(b0 + k); s00 = MADD(x0, y, s00); s10 = MADD(x1, y, s10);
        y = LOAD(b1 + k); s01 = MADD(x0, y, s01); s11 = MADD(x1, y, s11);
        y = LOAD(b2 + k); s02 = MADD(x0, y, s02); s12 = MADD(x1, y, s12);
        y = LOAD(b3 + k); s03 = MADD(x0, y, s03); s13 = MADD(x1, y, s13);
      }
      float r00 = hsum(s00), r01 = hsum(s01), r02 = hsum(s02), r03 = hsum(s03);
      float r10 = hsum(s10), r11 = hsum(s11), r12 = hsum(s12), r13 = hsum(s13);
      for (int k = K4; k < K; k++) {
        r00 += a0[k] * b0[k]; r01 += a0[k] * b1[k]; r02 += a0[k] * b2[k]; r03 += a0[k] * b3[k];
        r10 += a1[k] * b0[k]; r11 += a1[k] * b1[k]; r12 += a1[k] * b2[k]; r13 += a1[k] * b3[k];
      }
      float *c0 = C + m * N + n, *c1 = c0 + N;
      c0[0] = r00; c0[1] = r01; c0[2] = r02; c0[3] = r03;
      c1[0] = r10; c1[1] = r11; c1[2] = r12; c1[3] = r13;
    }
    for (; n < N; n++) {
      const float *b0 = B + n * K;
      v128_t s0 = wasm_f32x4_const_splat(0.f), s1 = s0;
      for (int k = 0; k < K4; k += 4) {
        v128_t y = LOAD(b0 + k);
        s0 = MADD(LOAD(a0 + k), y, s0);
        s1 = MADD(LOAD(a1 + k), y, s1);
      }
      float r0 = hsum(s0), r1 = hsum(s1);
      for (int k = K4; k < K; k++) { r0 += a0[k] * b0[k]; r1 += a1[k] * b0[k]; }
      C[m * N + n] = r0;
      C[(m + 1) * N + n] = r1;
    }
  }
  for (; m < M; m++) {
    const float *a0 = A + m * K;
    for (int n = 0; n < N; n++) {
      const float *b0 = B + n * K;
      v128_t s0 = wasm_f32x4_const_splat(0.f);
      for (int k = 0; k < K4; k += 4) s0 = MADD(LOAD(a0 + k), LOAD(b0 + k), s0);
      float r0 = hsum(s0);
      for (int k = K4; k < K; k++) r0 += a0[k] * b0[k];
      C[m * N + n] = r0;
    }
  }
}

/* ------------------------------------------------------------------ a Dense layer, fused */

enum { LINEAR = 0, RELU = 1, ELU = 2, SELU = 3 };
#define SELU_SCALE 1.0507009873554804934193349852946f
#define SELU_ALPHA 1.6732632423543772848170429916717f

/*
 * e^x for x ≤ 0 (the negative side of ELU and SELU), four at a time: x = n·ln 2 + r with
 * |r| ≤ ln 2 / 2, e^r by Cephes's expf polynomial (about 1 ulp), 2^n built in the exponent bits.
 * Below −87.3 the result stays at e^−87.3 ≈ 1.2e−38 (ELU's e^x − 1 is then −1 in float32 either way).
 */
static inline v128_t exp_nonpositive(v128_t x) {
  x = wasm_f32x4_max(wasm_f32x4_min(x, SPLAT(0.f)), SPLAT(-87.3f));
  v128_t n = wasm_f32x4_nearest(MUL(x, SPLAT(1.44269504088896341f)));
  v128_t r = wasm_f32x4_sub(wasm_f32x4_sub(x, MUL(n, SPLAT(0.693359375f))), MUL(n, SPLAT(-2.12194440e-4f)));
  v128_t p = SPLAT(1.9875691500e-4f);
  p = ADD(MUL(p, r), SPLAT(1.3981999507e-3f));
  p = ADD(MUL(p, r), SPLAT(8.3334519073e-3f));
  p = ADD(MUL(p, r), SPLAT(4.1665795894e-2f));
  p = ADD(MUL(p, r), SPLAT(1.6666665459e-1f));
  p = ADD(MUL(p, r), SPLAT(5.0000001201e-1f));
  p = ADD(ADD(MUL(MUL(p, r), r), r), SPLAT(1.f));
  v128_t e = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return MUL(p, e);
}

/* y = act(z) in place over `count` values (count a multiple of 4 is the fast part). */
static void activate(float *y, int count, int act) {
  int i = 0;
  for (; i + 4 <= count; i += 4) {
    v128_t z = LOAD(y + i), v = z;
    v128_t pos = wasm_f32x4_gt(z, SPLAT(0.f));
    if (act == RELU) v = wasm_v128_and(z, pos);
    else if (act == ELU) v = wasm_v128_bitselect(z, wasm_f32x4_sub(exp_nonpositive(z), SPLAT(1.f)), pos);
    else if (act == SELU) v = MUL(SPLAT(SELU_SCALE), wasm_v128_bitselect(z, MUL(SPLAT(SELU_ALPHA), wasm_f32x4_sub(exp_nonpositive(z), SPLAT(1.f))), pos));
    STORE(y + i, v);
  }
  for (; i < count; i++) {
    v128_t v = SPLAT(y[i]);
    v128_t pos = wasm_f32x4_gt(v, SPLAT(0.f));
    if (act == RELU) v = wasm_v128_and(v, pos);
    else if (act == ELU) v = wasm_v128_bitselect(v, wasm_f32x4_sub(exp_nonpositive(v), SPLAT(1.f)), pos);
    else if (act == SELU) v = MUL(SPLAT(SELU_SCALE), wasm_v128_bitselect(v, MUL(SPLAT(SELU_ALPHA), wasm_f32x4_sub(exp_nonpositive(v), SPLAT(1.f))), pos));
    y[i] = wasm_f32x4_extract_lane(v, 0);
  }
}

/*
 * The forward pass of a Dense layer: Y[M×N] = act(X[M×K]·W[K×N] + b), b optional (hasBias 0).
 */
EXPORT("dense_forward")
void dense_forward(const float *X, const float *W, const float *b, int hasBias, float *Y, int M, int K, int N, int act) {
  mm_nb(X, K, 1, W, Y, M, K, N);
  if (hasBias)
    for (int m = 0; m < M; m++) {
      float *y = Y + m * N;
      int n = 0;
      for (; n + 4 <= N; n += 4) STORE(y + n, ADD(LOAD(y + n), LOAD(b + n)));
      for (; n < N; n++) y[n] += b[n];
    }
  if (act != LINEAR) activate(Y, M * N, act);
}

/*
 * The backward pass of a Dense layer, from dY and the layer's output Y (each activation's
 * derivative is a function of its output: ReLU 1 or 0; ELU 1 or y + 1 = e^z; SELU λ or y + λα):
 *   dZ = dY ⊙ act′,  dW = Xᵀ·dZ,  db = Σ_rows dZ (if db is not 0),  dX = dZ·Wᵀ (if dX is not 0).
 * dZ is written to the scratch buffer given (M×N).
 */
EXPORT("dense_backward")
void dense_backward(const float *dY, const float *X, const float *W, const float *Y, float *dZ, float *dX, float *dW, float *db, int wantDx, int wantDb, int M, int K, int N, int act) {
  int count = M * N, i = 0;
  for (; i + 4 <= count; i += 4) {
    v128_t g = LOAD(dY + i), y = LOAD(Y + i), d = g;
    v128_t pos = wasm_f32x4_gt(y, SPLAT(0.f));
    if (act == RELU) d = wasm_v128_and(g, pos);
    else if (act == ELU) d = wasm_v128_bitselect(g, MUL(g, ADD(y, SPLAT(1.f))), pos);
    else if (act == SELU) d = wasm_v128_bitselect(MUL(g, SPLAT(SELU_SCALE)), MUL(g, ADD(y, SPLAT(SELU_SCALE * SELU_ALPHA))), pos);
    STORE(dZ + i, d);
  }
  for (; i < count; i++) {
    float g = dY[i], y = Y[i];
    if (act == RELU) g = y > 0 ? g : 0;
    else if (act == ELU) g = y > 0 ? g : g * (y + 1);
    else if (act == SELU) g = y > 0 ? g * SELU_SCALE : g * (y + SELU_SCALE * SELU_ALPHA);
    dZ[i] = g;
  }
  mm_nb(X, 1, K, dZ, dW, K, M, N);
  if (wantDb) {
    int n = 0;
    for (; n + 4 <= N; n += 4) {
      v128_t s = SPLAT(0.f);
      for (int m = 0; m < M; m++) s = ADD(s, LOAD(dZ + m * N + n));
      STORE(db + n, s);
    }
    for (; n < N; n++) {
      float s = 0;
      for (int m = 0; m < M; m++) s += dZ[m * N + n];
      db[n] = s;
    }
  }
  if (wantDx) mm_nt(dZ, W, dX, M, N, K);
}

/* ------------------------------------------------------------------ the optimizers' updates */

/*
 * One optimizer's update of one variable in one call: θ (v), its gradient (g) and up to two slots
 * (a, b) in; the new θ and the new slots out (ov, oa, ob: fresh buffers, nothing is written in
 * place). The hyperparameters come as numbers (no scalar tensors), p[0..8] below. Each formula is
 * `optim/optimizers.ts`'s, computed in the same order with the same float32 operations as tfjs's
 * ops there (no fused multiply-add; division and square root are correctly rounded in both), so
 * the results are equal to the bit: `test/unit/optimStep.test.ts` checks it for every kind.
 */
enum { K_SGD = 0, K_MOMENTUM = 1, K_NESTEROV = 2, K_ADAGRAD = 3, K_RMSPROP = 4, K_RMSPROP_M = 5, K_ADAM = 6, K_ADAMAX = 7, K_NADAM = 8 };
#define SUB wasm_f32x4_sub
#define DIV wasm_f32x4_div
#define SQRT wasm_f32x4_sqrt

static inline __attribute__((always_inline)) void optim4(int kind, v128_t v, v128_t g, v128_t a, v128_t b, v128_t *ov, v128_t *oa, v128_t *ob,
                                                          float p0, float p1, float p2, float p3, float p4, float p5, float p6, float p7, float p8) {
  switch (kind) {
  case K_SGD: /* p0 η */
    *ov = SUB(v, MUL(g, SPLAT(p0)));
    break;
  case K_MOMENTUM: /* p0 η, p1 β: m ← βm − ηg; θ ← θ + m */
  case K_NESTEROV: { /* θ ← θ + βm − ηg */
    v128_t etaG = MUL(g, SPLAT(p0)), m = SUB(MUL(a, SPLAT(p1)), etaG);
    *oa = m;
    *ov = kind == K_MOMENTUM ? ADD(v, m) : SUB(ADD(v, MUL(m, SPLAT(p1))), etaG);
    break;
  }
  case K_ADAGRAD: { /* p0 η, p1 ε: s ← s + g²; θ ← θ − ηg/√(s + ε) */
    v128_t s = ADD(a, MUL(g, g));
    *oa = s;
    *ov = SUB(v, DIV(MUL(g, SPLAT(p0)), SQRT(ADD(s, SPLAT(p1)))));
    break;
  }
  case K_RMSPROP: /* p0 ρ, p1 1 − ρ, p2 η, p3 ε, p4 β: s ← ρs + (1 − ρ)g²; step = ηg/√(s + ε) */
  case K_RMSPROP_M: { /* θ ← θ − step, or m ← βm + step; θ ← θ − m */
    v128_t s = ADD(MUL(a, SPLAT(p0)), MUL(MUL(g, g), SPLAT(p1)));
    v128_t step = DIV(MUL(g, SPLAT(p2)), SQRT(ADD(s, SPLAT(p3))));
    *oa = s;
    if (kind == K_RMSPROP) *ov = SUB(v, step);
    else {
      v128_t m = ADD(MUL(b, SPLAT(p4)), step);
      *ob = m;
      *ov = SUB(v, m);
    }
    break;
  }
  case K_ADAM: /* p0 β1, p1 1 − β1, p2 β2, p3 1 − β2, p4 η_t, p5 ε: m, s as Adam; θ ← θ − η_t m/(√s + ε) */
  case K_NADAM: { /* p4 (1 − μ_t)/(1 − Π_t), p5 μ_{t+1}/(1 − Π_{t+1}), p6 1 − β2^t, p7 η, p8 ε */
    v128_t m = ADD(MUL(a, SPLAT(p0)), MUL(g, SPLAT(p1)));
    v128_t s = ADD(MUL(b, SPLAT(p2)), MUL(MUL(g, g), SPLAT(p3)));
    *oa = m;
    *ob = s;
    if (kind == K_ADAM) *ov = SUB(v, DIV(MUL(m, SPLAT(p4)), ADD(SQRT(s), SPLAT(p5))));
    else {
      v128_t mBar = ADD(MUL(g, SPLAT(p4)), MUL(m, SPLAT(p5)));
      *ov = SUB(v, DIV(MUL(mBar, SPLAT(p7)), ADD(SQRT(DIV(s, SPLAT(p6))), SPLAT(p8))));
    }
    break;
  }
  case K_ADAMAX: { /* p0 β1, p1 1 − β1, p2 β2, p3 η/(1 − β1^t), p4 ε: u ← max(β2u, |g|); θ ← θ − η_t m/(u + ε) */
    v128_t m = ADD(MUL(a, SPLAT(p0)), MUL(g, SPLAT(p1)));
    v128_t u = wasm_f32x4_max(MUL(b, SPLAT(p2)), wasm_f32x4_abs(g));
    *oa = m;
    *ob = u;
    *ov = SUB(v, DIV(MUL(m, SPLAT(p3)), ADD(u, SPLAT(p4))));
    break;
  }
  }
}

/* The update over `count` values; a and b (and oa, ob) are 0 where the optimizer has fewer slots. */
EXPORT("optim_step")
void optim_step(int kind, const float *v, const float *g, const float *a, const float *b, float *ov, float *oa, float *ob, int count,
                float p0, float p1, float p2, float p3, float p4, float p5, float p6, float p7, float p8) {
  v128_t z = SPLAT(0.f), rv = z, ra = z, rb = z;
  int i = 0;
  for (; i + 4 <= count; i += 4) {
    optim4(kind, LOAD(v + i), LOAD(g + i), a ? LOAD(a + i) : z, b ? LOAD(b + i) : z, &rv, &ra, &rb, p0, p1, p2, p3, p4, p5, p6, p7, p8);
    STORE(ov + i, rv);
    if (oa) STORE(oa + i, ra);
    if (ob) STORE(ob + i, rb);
  }
  for (; i < count; i++) {
    optim4(kind, SPLAT(v[i]), SPLAT(g[i]), a ? SPLAT(a[i]) : z, b ? SPLAT(b[i]) : z, &rv, &ra, &rb, p0, p1, p2, p3, p4, p5, p6, p7, p8);
    ov[i] = wasm_f32x4_extract_lane(rv, 0);
    if (oa) oa[i] = wasm_f32x4_extract_lane(ra, 0);
    if (ob) ob[i] = wasm_f32x4_extract_lane(rb, 0);
  }
}

/* ------------------------------------------------------------------ batch normalization, training */

/*
 * Batch norm's forward pass in training over a batch X[M×N] (statistics per column):
 *   μ = Σ x / M,  σ² = Σ (x − μ)² / M (two passes),  r = 1/√(σ² + ε),
 *   x̂ = (x − μ)·r,  y = γ·x̂ + β,
 *   moving μ ← moving μ·m + μ·(1 − m), moving σ² likewise (`onem` = 1 − m).
 * Writes Y, X̂ (kept for the backward pass), mean (μ), R (r), and the new moving statistics.
 * Sums in float32 across rows, four columns at a time (as tfjs's own reductions, in float32).
 */
EXPORT("bn_forward")
void bn_forward(const float *X, const float *gamma, const float *beta, const float *movMean, const float *movVar, float *Y, float *Xhat, float *mean, float *R,
                float *movMeanOut, float *movVarOut, int M, int N, float eps, float m, float onem) {
  const float inv = 1.f / (float)M;
  for (int n = 0; n < N; n += 4) {
    /* the last block of columns may be short: then column by column */
    int w = N - n < 4 ? N - n : 4;
    if (w == 4) {
      v128_t s = SPLAT(0.f), v = SPLAT(0.f);
      for (int i = 0; i < M; i++) s = ADD(s, LOAD(X + i * N + n));
      v128_t mu = MUL(s, SPLAT(inv));
      for (int i = 0; i < M; i++) {
        v128_t d = wasm_f32x4_sub(LOAD(X + i * N + n), mu);
        v = ADD(v, MUL(d, d));
      }
      v128_t var = MUL(v, SPLAT(inv));
      v128_t r = wasm_f32x4_div(SPLAT(1.f), wasm_f32x4_sqrt(ADD(var, SPLAT(eps))));
      v128_t g = LOAD(gamma + n), b = LOAD(beta + n);
      for (int i = 0; i < M; i++) {
        v128_t xh = MUL(wasm_f32x4_sub(LOAD(X + i * N + n), mu), r);
        STORE(Xhat + i * N + n, xh);
        STORE(Y + i * N + n, ADD(MUL(xh, g), b));
      }
      STORE(mean + n, mu);
      STORE(R + n, r);
      STORE(movMeanOut + n, ADD(MUL(LOAD(movMean + n), SPLAT(m)), MUL(mu, SPLAT(onem))));
      STORE(movVarOut + n, ADD(MUL(LOAD(movVar + n), SPLAT(m)), MUL(var, SPLAT(onem))));
    } else
      for (int j = n; j < N; j++) {
        float s = 0, v = 0;
        for (int i = 0; i < M; i++) s += X[i * N + j];
        float mu = s * inv;
        for (int i = 0; i < M; i++) {
          float d = X[i * N + j] - mu;
          v += d * d;
        }
        float var = v * inv;
        float r = 1.f / __builtin_sqrtf(var + eps);
        for (int i = 0; i < M; i++) {
          float xh = (X[i * N + j] - mu) * r;
          Xhat[i * N + j] = xh;
          Y[i * N + j] = xh * gamma[j] + beta[j];
        }
        mean[j] = mu;
        R[j] = r;
        movMeanOut[j] = movMean[j] * m + mu * onem;
        movVarOut[j] = movVar[j] * m + var * onem;
      }
  }
}

/*
 * Its backward pass (the dependence of μ and σ² on x included):
 *   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ·r/M · (M·dy − dβ − x̂·dγ)   (sums over the batch).
 */
EXPORT("bn_backward")
void bn_backward(const float *dY, const float *Xhat, const float *R, const float *gamma, float *dX, float *dgamma, float *dbeta, int M, int N) {
  const float fm = (float)M;
  for (int n = 0; n < N; n += 4) {
    int w = N - n < 4 ? N - n : 4;
    if (w == 4) {
      v128_t sb = SPLAT(0.f), sg = SPLAT(0.f);
      for (int i = 0; i < M; i++) {
        v128_t d = LOAD(dY + i * N + n);
        sb = ADD(sb, d);
        sg = ADD(sg, MUL(d, LOAD(Xhat + i * N + n)));
      }
      STORE(dbeta + n, sb);
      STORE(dgamma + n, sg);
      v128_t k = wasm_f32x4_div(MUL(LOAD(gamma + n), LOAD(R + n)), SPLAT(fm));
      for (int i = 0; i < M; i++) {
        v128_t t = wasm_f32x4_sub(wasm_f32x4_sub(MUL(LOAD(dY + i * N + n), SPLAT(fm)), sb), MUL(LOAD(Xhat + i * N + n), sg));
        STORE(dX + i * N + n, MUL(k, t));
      }
    } else
      for (int j = n; j < N; j++) {
        float sb = 0, sg = 0;
        for (int i = 0; i < M; i++) {
          sb += dY[i * N + j];
          sg += dY[i * N + j] * Xhat[i * N + j];
        }
        dbeta[j] = sb;
        dgamma[j] = sg;
        float k = gamma[j] * R[j] / fm;
        for (int i = 0; i < M; i++) dX[i * N + j] = k * ((dY[i * N + j] * fm - sb) - Xhat[i * N + j] * sg);
      }
  }
}

/* ------------------------------------------------------------------ activation statistics */

/*
 * The statistics of one block's output (the activation charts), over `count` values:
 * out = [mean, standard deviation (population), fraction of exact zeros, fraction saturated or −1],
 * saturated meaning |x − 0.5| > 0.49 for sigmoid (sat = 1) and |x| > 0.98 for tanh (sat = 2), both
 * compared in float32 as tfjs's ops compare them. Sums in float64, two passes.
 */
EXPORT("block_stats")
void block_stats(const float *x, int count, int sat, float *out) {
  double s = 0;
  for (int i = 0; i < count; i++) s += x[i];
  double mean = s / count, v = 0;
  int zeros = 0, sats = 0;
  for (int i = 0; i < count; i++) {
    double d = x[i] - mean;
    v += d * d;
    zeros += x[i] == 0.f;
    if (sat == 1) sats += __builtin_fabsf(x[i] - 0.5f) > 0.49f;
    else if (sat == 2) sats += __builtin_fabsf(x[i]) > 0.98f;
  }
  out[0] = (float)mean;
  out[1] = (float)__builtin_sqrt(v / count);
  out[2] = (float)zeros / (float)count;
  out[3] = sat ? (float)sats / (float)count : -1.f;
}
