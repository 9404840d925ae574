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
        x = SPLAT(a0[ak]); s00 = ADD(s00, MUL(x, b0)); s01 = ADD(s01, MUL(x, b1));
        x = SPLAT(a1[ak]); s10 = ADD(s10, MUL(x, b0)); s11 = ADD(s11, MUL(x, b1));
        x = SPLAT(a2[ak]); s20 = ADD(s20, MUL(x, b0)); s21 = ADD(s21, MUL(x, b1));
        x = SPLAT(a3[ak]); s30 = ADD(s30, MUL(x, b0)); s31 = ADD(s31, MUL(x, b1));
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
        s0 = ADD(s0, MUL(SPLAT(a0[ak]), b0));
        s1 = ADD(s1, MUL(SPLAT(a1[ak]), b0));
        s2 = ADD(s2, MUL(SPLAT(a2[ak]), b0));
        s3 = ADD(s3, MUL(SPLAT(a3[ak]), b0));
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
        s0 = ADD(s0, MUL(x, LOAD(b)));
        s1 = ADD(s1, MUL(x, LOAD(b + 4)));
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
        y = LOAD(b0 + k); s00 = ADD(s00, MUL(x0, y)); s10 = ADD(s10, MUL(x1, y));
        y = LOAD(b1 + k); s01 = ADD(s01, MUL(x0, y)); s11 = ADD(s11, MUL(x1, y));
        y = LOAD(b2 + k); s02 = ADD(s02, MUL(x0, y)); s12 = ADD(s12, MUL(x1, y));
        y = LOAD(b3 + k); s03 = ADD(s03, MUL(x0, y)); s13 = ADD(s13, MUL(x1, y));
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
        s0 = ADD(s0, MUL(LOAD(a0 + k), y));
        s1 = ADD(s1, MUL(LOAD(a1 + k), y));
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
      for (int k = 0; k < K4; k += 4) s0 = ADD(s0, MUL(LOAD(a0 + k), LOAD(b0 + k)));
      float r0 = hsum(s0);
      for (int k = K4; k < K; k++) r0 += a0[k] * b0[k];
      C[m * N + n] = r0;
    }
  }
}
