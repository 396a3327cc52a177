/*
 * LEM's decode kernels: out = x · Wᵀ for a few rows of x (decode steps: 1 to 8 rows), the matrix W read once
 * per call, in float32 or bfloat16, with float32 activations and float32 accumulation.
 *
 * Why a kernel outside libtorch (issue 18): a decode step is bound by reading the weights, and libtorch's products
 * do not read them at the rate the memory allows on the CPU: MKL's float32 matrix-vector product at one row, oneDNN's
 * bf16 product (which reads bf16 weights no faster per byte than MKL reads float32, so bf16 gave 1.3× instead of ~2×),
 * and MKL at 2 to 8 rows (which reads the weights more than once). Here each thread reads its share of W once, as
 * one sequential stream for one row of x. Measurements: docs/performance.md, "Decode kernel".
 *
 * Operators: lem::small_linear (the plain layout, 1 to 8 rows), lem::pack_columns and lem::pack_bf16_pairs (LEM's
 * packed layouts, float32 and bf16) with lem::packed_linear (any number of rows), lem::decode_attention (a decode
 * step's attention in one call), lem::kernel_isa.
 *
 * Registered with libtorch's dispatcher under the namespace lem through libtorch's stable C interface
 * (the aoti_torch_* functions, exported by libtorch_cpu.so since 2.7), so the generated TorchScript program calls it
 * like any other operator. No libtorch header is needed to build this file: the functions are looked up at load
 * time in the libtorch_cpu.so the process already has (DJL's), and so is libgomp's GOMP_parallel, so the kernel's
 * threads are libtorch's own OpenMP team. If anything is missing, nothing is registered and the program keeps
 * libtorch's products (the Java side checks and records which path ran).
 *
 * Portable: compiled without -march; the AVX-512 and AVX2 variants are selected at run time from the CPU's
 * features (__builtin_cpu_supports), with a plain C fallback.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- libtorch's stable C interface (torch/csrc/inductor/aoti_torch/c/shim.h), declared here ---- */
typedef int32_t AOTITorchError;
typedef struct AtenTensorOpaque *AtenTensorHandle;
typedef struct TorchLibraryOpaque *TorchLibraryHandle;
typedef uint64_t StableIValue;
typedef void (*BoxedKernel)(StableIValue *, uint64_t, uint64_t);

static AOTITorchError (*library_init_def)(const char *, const char *, uint32_t, TorchLibraryHandle *);
static AOTITorchError (*library_init_impl)(const char *, const char *, const char *, uint32_t, TorchLibraryHandle *);
static AOTITorchError (*library_def)(TorchLibraryHandle, const char *);
static AOTITorchError (*library_impl)(TorchLibraryHandle, const char *, BoxedKernel);
static AOTITorchError (*get_data_ptr)(AtenTensorHandle, void **);
static AOTITorchError (*get_dim)(AtenTensorHandle, int64_t *);
static AOTITorchError (*get_sizes)(AtenTensorHandle, int64_t **);
static AOTITorchError (*get_strides)(AtenTensorHandle, int64_t **);
static AOTITorchError (*get_dtype)(AtenTensorHandle, int32_t *);
static AOTITorchError (*get_device_type)(AtenTensorHandle, int32_t *);
static AOTITorchError (*empty_strided)(int64_t, const int64_t *, const int64_t *, int32_t, int32_t, int32_t,
                                       AtenTensorHandle *);
static AOTITorchError (*delete_tensor)(AtenTensorHandle);
static int32_t (*dtype_float32)(void);
static int32_t (*dtype_bfloat16)(void);
static int32_t (*dtype_int32)(void);
static int32_t (*device_type_cpu)(void);

/* ---- libgomp (the one libtorch_cpu.so links) ---- */
static void (*gomp_parallel)(void (*)(void *), void *, unsigned, unsigned);
static int (*omp_thread_num)(void);
static int (*omp_num_threads)(void);
/* libtorch's intra-op thread count for the calling thread, as its own parallel loops read it */
static int (*libtorch_threads)(void);

static int64_t intra_op_threads(void) {
    int t = libtorch_threads();
    return t < 1 ? 1 : t;
}

/* ---- the kernels ---- */
enum { ISA_SCALAR = 1, ISA_AVX2 = 2, ISA_AVX512 = 3, ISA_AVX512_BF16 = 4 };
static int isa;

#define MAX_ROWS 8

typedef struct {
    const float *x;   /* [m, k], row stride ldx */
    const void *w;    /* [n, k] contiguous, float32 or bf16 */
    const uint16_t *xb; /* [m, k] contiguous: x rounded to bf16 (ISA_AVX512_BF16 with bf16 W and m ≥ 2), else NULL */
    float *out;       /* [m, n] contiguous */
    int64_t m, n, k, ldx;
    int bf16;
    int isa;
} Job;

static inline float bf16_to_float(uint16_t v) {
    uint32_t bits = (uint32_t) v << 16;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static void rows_scalar(const Job *j, int64_t from, int64_t to) {
    for (int64_t r = from; r < to; r++) {
        for (int64_t i = 0; i < j->m; i++) {
            const float *x = j->x + i * j->ldx;
            float s = 0;
            if (j->bf16) {
                const uint16_t *w = (const uint16_t *) j->w + r * j->k;
                for (int64_t c = 0; c < j->k; c++) s += bf16_to_float(w[c]) * x[c];
            } else {
                const float *w = (const float *) j->w + r * j->k;
                for (int64_t c = 0; c < j->k; c++) s += w[c] * x[c];
            }
            j->out[i * j->n + r] = s;
        }
    }
}

__attribute__((target("avx2,fma"))) static inline __m256 load8_avx2(const void *w, int bf16, int64_t at) {
    if (bf16) {
        __m128i h = _mm_loadu_si128((const __m128i *) ((const uint16_t *) w + at));
        return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
    }
    return _mm256_loadu_ps((const float *) w + at);
}

__attribute__((target("avx2,fma"))) static inline float hsum_avx2(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* One weight row at a time against every row of x (m ≤ 8 accumulators); for m == 1 four accumulators across the row. */
__attribute__((target("avx2,fma"))) static void rows_avx2(const Job *j, int64_t from, int64_t to) {
    const int64_t k = j->k, k8 = k & ~(int64_t) 7, m = j->m;
    const size_t esize = j->bf16 ? 2 : 4;
    int64_t r = from;
    if (m == 1) { /* one sequential stream, four accumulators across each row (see row_avx512) */
        const int64_t k32 = k & ~(int64_t) 31;
        for (; r < to; r++) {
            const char *w = (const char *) j->w + (size_t) r * k * esize;
            __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            int64_t c = 0;
            for (; c < k32; c += 32) {
                a0 = _mm256_fmadd_ps(load8_avx2(w, j->bf16, c), _mm256_loadu_ps(j->x + c), a0);
                a1 = _mm256_fmadd_ps(load8_avx2(w, j->bf16, c + 8), _mm256_loadu_ps(j->x + c + 8), a1);
                a2 = _mm256_fmadd_ps(load8_avx2(w, j->bf16, c + 16), _mm256_loadu_ps(j->x + c + 16), a2);
                a3 = _mm256_fmadd_ps(load8_avx2(w, j->bf16, c + 24), _mm256_loadu_ps(j->x + c + 24), a3);
            }
            for (; c < k8; c += 8) a0 = _mm256_fmadd_ps(load8_avx2(w, j->bf16, c), _mm256_loadu_ps(j->x + c), a0);
            float s = hsum_avx2(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
            for (c = k8; c < k; c++) {
                s += (j->bf16 ? bf16_to_float(((const uint16_t *) w)[c]) : ((const float *) w)[c]) * j->x[c];
            }
            j->out[r] = s;
        }
    }
    for (; r < to; r++) {
        const char *w = (const char *) j->w + (size_t) r * k * esize;
        __m256 acc[MAX_ROWS];
        for (int64_t i = 0; i < m; i++) acc[i] = _mm256_setzero_ps();
        for (int64_t c = 0; c < k8; c += 8) {
            __m256 wv = load8_avx2(w, j->bf16, c);
            for (int64_t i = 0; i < m; i++) acc[i] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(j->x + i * j->ldx + c), acc[i]);
        }
        for (int64_t i = 0; i < m; i++) {
            float s = hsum_avx2(acc[i]);
            for (int64_t c = k8; c < k; c++) {
                float wv = j->bf16 ? bf16_to_float(((const uint16_t *) w)[c]) : ((const float *) w)[c];
                s += wv * j->x[i * j->ldx + c];
            }
            j->out[i * j->n + r] = s;
        }
    }
}

__attribute__((target("avx512f"))) static inline __m512 load16_avx512(const void *w, int bf16, int64_t at) {
    if (bf16) {
        __m256i h = _mm256_loadu_si256((const __m256i *) ((const uint16_t *) w + at));
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    }
    return _mm512_loadu_ps((const float *) w + at);
}

static inline float tail_dot(const Job *j, const char *w, int64_t i, int64_t from) {
    float s = 0;
    for (int64_t c = from; c < j->k; c++) {
        float wv = j->bf16 ? bf16_to_float(((const uint16_t *) w)[c]) : ((const float *) w)[c];
        s += wv * j->x[i * j->ldx + c];
    }
    return s;
}

/*
 * M rows of x against R rows of W at a time (M·R ≤ 16 accumulators, kept in registers: every loop below is
 * unrolled at compile time): each weight vector is loaded once and used M times, each x vector loaded once and
 * used R times. Returns the first weight row not done.
 */
__attribute__((target("avx512f"), always_inline)) static inline int64_t tile_avx512(const Job *j, int64_t r,
                                                                                  int64_t to, const int M,
                                                                                  const int R, const int bf16) {
    const int64_t k16 = j->k & ~(int64_t) 15;
    const size_t row = (size_t) j->k * (bf16 ? 2 : 4);
    for (; r + R <= to; r += R) {
        const char *w = (const char *) j->w + (size_t) r * row;
        __m512 acc[4][MAX_ROWS];
#pragma GCC unroll 8
        for (int q = 0; q < R; q++)
#pragma GCC unroll 8
            for (int i = 0; i < M; i++) acc[q][i] = _mm512_setzero_ps();
        for (int64_t c = 0; c < k16; c += 16) {
            __m512 wv[4];
#pragma GCC unroll 8
            for (int q = 0; q < R; q++) wv[q] = load16_avx512(w + q * row, bf16, c);
#pragma GCC unroll 8
            for (int i = 0; i < M; i++) {
                __m512 xv = _mm512_loadu_ps(j->x + i * j->ldx + c);
#pragma GCC unroll 8
                for (int q = 0; q < R; q++) acc[q][i] = _mm512_fmadd_ps(wv[q], xv, acc[q][i]);
            }
        }
#pragma GCC unroll 8
        for (int q = 0; q < R; q++)
#pragma GCC unroll 8
            for (int i = 0; i < M; i++)
                j->out[i * j->n + r + q] = _mm512_reduce_add_ps(acc[q][i]) + tail_dot(j, w + q * row, i, k16);
    }
    return r;
}

/*
 * One row of x: each thread reads its share of W as one sequential stream, row after row (four accumulators across
 * each row), which the hardware prefetchers follow best. Measured against four rows read side by side (four streams)
 * on the development machine, two threads: 2,048 × 1,024 bf16 34 vs 16 GB/s, fp32 32 vs 26 GB/s; software prefetches
 * 1 or 2 KiB ahead made it slower (21-27 GB/s).
 */
__attribute__((target("avx512f"), always_inline)) static inline int64_t row_avx512(const Job *j, int64_t r, int64_t to,
                                                                                 const int bf16) {
    const int64_t k64 = j->k & ~(int64_t) 63, k16 = j->k & ~(int64_t) 15;
    const size_t row = (size_t) j->k * (bf16 ? 2 : 4);
    for (; r < to; r++) {
        const char *w = (const char *) j->w + (size_t) r * row;
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        int64_t c = 0;
        for (; c < k64; c += 64) {
            a0 = _mm512_fmadd_ps(load16_avx512(w, bf16, c), _mm512_loadu_ps(j->x + c), a0);
            a1 = _mm512_fmadd_ps(load16_avx512(w, bf16, c + 16), _mm512_loadu_ps(j->x + c + 16), a1);
            a2 = _mm512_fmadd_ps(load16_avx512(w, bf16, c + 32), _mm512_loadu_ps(j->x + c + 32), a2);
            a3 = _mm512_fmadd_ps(load16_avx512(w, bf16, c + 48), _mm512_loadu_ps(j->x + c + 48), a3);
        }
        for (; c < k16; c += 16) a0 = _mm512_fmadd_ps(load16_avx512(w, bf16, c), _mm512_loadu_ps(j->x + c), a0);
        j->out[r] = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)))
                + tail_dot(j, w, 0, k16);
    }
    return to;
}

__attribute__((target("avx512f"), noinline)) static int64_t row_avx512_1(const Job *j, int64_t r, int64_t to) {
    return j->bf16 ? row_avx512(j, r, to, 1) : row_avx512(j, r, to, 0);
}

/*
 * bf16 W and 2 to 8 rows on CPUs with AVX512_BF16: x rounded to bf16 once per call (as oneDNN's bf16 product does) and
 * multiplied with vdpbf16ps, 32 products per instruction with float32 accumulation, twice the FMA path's rate: with
 * several rows the product is bound by arithmetic, not by reading W.
 */
__attribute__((target("avx512f,avx512bw,avx512bf16"), always_inline)) static inline int64_t
tile_dpbf16(const Job *j, int64_t r, int64_t to, const int M, const int R) {
    const int64_t k = j->k, k32 = k & ~(int64_t) 31;
    for (; r + R <= to; r += R) {
        const uint16_t *w = (const uint16_t *) j->w + (size_t) r * k;
        __m512 acc[4][MAX_ROWS];
#pragma GCC unroll 8
        for (int q = 0; q < R; q++)
#pragma GCC unroll 8
            for (int i = 0; i < M; i++) acc[q][i] = _mm512_setzero_ps();
        for (int64_t c = 0; c < k32; c += 32) {
            __m512i wv[4];
#pragma GCC unroll 8
            for (int q = 0; q < R; q++) wv[q] = _mm512_loadu_si512((const void *) (w + q * k + c));
#pragma GCC unroll 8
            for (int i = 0; i < M; i++) {
                __m512i xv = _mm512_loadu_si512((const void *) (j->xb + i * k + c));
#pragma GCC unroll 8
                for (int q = 0; q < R; q++) acc[q][i] = _mm512_dpbf16_ps(acc[q][i], (__m512bh) wv[q], (__m512bh) xv);
            }
        }
#pragma GCC unroll 8
        for (int q = 0; q < R; q++)
#pragma GCC unroll 8
            for (int i = 0; i < M; i++) {
                float s = _mm512_reduce_add_ps(acc[q][i]);
                for (int64_t c = k32; c < k; c++) s += bf16_to_float(w[q * k + c]) * bf16_to_float(j->xb[i * k + c]);
                j->out[i * j->n + r + q] = s;
            }
    }
    return r;
}

#define TILE_DPBF16(M, R)                                                                                         \
    __attribute__((target("avx512f,avx512bw,avx512bf16"), noinline)) static int64_t tile_dpbf16_##M(              \
            const Job *j, int64_t r, int64_t to) {                                                                \
        return tile_dpbf16(j, r, to, M, R);                                                                       \
    }
TILE_DPBF16(2, 4)
TILE_DPBF16(3, 4)
TILE_DPBF16(4, 4)
TILE_DPBF16(5, 3)
TILE_DPBF16(6, 2)
TILE_DPBF16(7, 2)
TILE_DPBF16(8, 2)

/* The rows of W still to do after a dpbf16 tile (fewer than R), one at a time from the bf16 x. */
static void rest_dpbf16(const Job *j, int64_t from, int64_t to) {
    for (int64_t r = from; r < to; r++) {
        const uint16_t *w = (const uint16_t *) j->w + (size_t) r * j->k;
        for (int64_t i = 0; i < j->m; i++) {
            float s = 0;
            for (int64_t c = 0; c < j->k; c++) s += bf16_to_float(w[c]) * bf16_to_float(j->xb[i * j->k + c]);
            j->out[i * j->n + r] = s;
        }
    }
}

__attribute__((target("avx512f,avx512bw,avx512bf16"))) static void rows_dpbf16(const Job *j, int64_t from, int64_t to) {
    int64_t r;
    switch (j->m) {
    case 2: r = tile_dpbf16_2(j, from, to); break;
    case 3: r = tile_dpbf16_3(j, from, to); break;
    case 4: r = tile_dpbf16_4(j, from, to); break;
    case 5: r = tile_dpbf16_5(j, from, to); break;
    case 6: r = tile_dpbf16_6(j, from, to); break;
    case 7: r = tile_dpbf16_7(j, from, to); break;
    default: r = tile_dpbf16_8(j, from, to); break;
    }
    rest_dpbf16(j, r, to);
}

/* A float rounded to bf16 as libtorch rounds it (to nearest even; NaN stays a quiet NaN). */
static inline uint16_t to_bf16(float f) {
    if (f != f) return 0x7FC0;
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    bits += 0x7FFF + ((bits >> 16) & 1);
    return (uint16_t) (bits >> 16);
}

/* x (m rows of k, row stride ldx) rounded to bf16 (round to nearest even), rows of ldo ≥ k values, zero past k. */
__attribute__((target("avx512f,avx512bw,avx512bf16"))) static void round_to_bf16(const float *x, int64_t m, int64_t k,
                                                                                 int64_t ldx, uint16_t *out,
                                                                                 int64_t ldo) {
    for (int64_t i = 0; i < m; i++) {
        int64_t c = 0;
        for (; c + 16 <= k; c += 16) {
            __m256bh h = _mm512_cvtneps_pbh(_mm512_loadu_ps(x + i * ldx + c));
            _mm256_storeu_si256((__m256i *) (out + i * ldo + c), (__m256i) h);
        }
        for (; c < k; c++) out[i * ldo + c] = to_bf16(x[i * ldx + c]);
        for (; c < ldo; c++) out[i * ldo + c] = 0;
    }
}

#define TILE_AVX512(M, R)                                                                                      \
    __attribute__((target("avx512f"), noinline)) static int64_t tile_avx512_##M(const Job *j, int64_t r,         \
                                                                                int64_t to) {                  \
        return j->bf16 ? tile_avx512(j, r, to, M, R, 1) : tile_avx512(j, r, to, M, R, 0);                      \
    }
TILE_AVX512(2, 4)
TILE_AVX512(3, 4)
TILE_AVX512(4, 4)
TILE_AVX512(5, 3)
TILE_AVX512(6, 2)
TILE_AVX512(7, 2)
TILE_AVX512(8, 2)

/* As rows_avx2, 16 lanes wide. */
__attribute__((target("avx512f"))) static void rows_avx512(const Job *j, int64_t from, int64_t to) {
    int64_t r;
    switch (j->m) {
    case 1: r = row_avx512_1(j, from, to); break;
    case 2: r = tile_avx512_2(j, from, to); break;
    case 3: r = tile_avx512_3(j, from, to); break;
    case 4: r = tile_avx512_4(j, from, to); break;
    case 5: r = tile_avx512_5(j, from, to); break;
    case 6: r = tile_avx512_6(j, from, to); break;
    case 7: r = tile_avx512_7(j, from, to); break;
    default: r = tile_avx512_8(j, from, to); break;
    }
    rows_scalar(j, r, to);
}

static void rows(const Job *j, int64_t from, int64_t to) {
    if (j->xb != NULL) {
        rows_dpbf16(j, from, to);
    } else if (j->isa >= ISA_AVX512) {
        rows_avx512(j, from, to);
    } else if (j->isa == ISA_AVX2) {
        rows_avx2(j, from, to);
    } else {
        rows_scalar(j, from, to);
    }
}

/* One thread's share of the output columns: contiguous, in multiples of 4 rows of W. */
static void share(void *arg) {
    const Job *j = arg;
    int64_t t = omp_thread_num(), count = omp_num_threads();
    int64_t blocks = (j->n + 3) / 4;
    int64_t from = blocks * t / count * 4, to = blocks * (t + 1) / count * 4;
    if (to > j->n) to = j->n;
    if (from < to) rows(j, from, to);
}

/* ---- LEM's packed layout for float32 products of any number of rows ----
 *
 * A matrix W [n, k] packed as P [nb, k, 32], nb = ceil(n / 32): block b holds output columns 32b .. 32b+31 of all k
 * inputs, input by input (zero past n). A thread reads its blocks as one sequential stream, and for each input c
 * multiplies the block's 32 weights (two vectors) by x[i][c] broadcast, for up to 8 rows i at once: 16 accumulators,
 * no horizontal sums. Rows beyond 8 are taken 8 at a time against the same block, which stays in the core's L2
 * (32 × k × 4 bytes: 72 KiB at k = 576, 704 KiB at k = 5,632), so W is read from memory once per call for any number
 * of rows. AVX-512 only; the program keeps oneDNN's layout on other CPUs.
 */
enum { PACK = 32 };

typedef struct PackedJob PackedJob;
/* One block b against rows r .. r + M − 1 of x (M the tile's row count). */
typedef void (*PackedTile)(const PackedJob *, int64_t b, int64_t r);

struct PackedJob {
    const void *x;   /* float32 [m, k] (row stride ldx, columns contiguous), or bf16 pairs uint32 [m, k] (ldx = k) */
    const void *p;   /* [nb, k, 32]: float32, or bf16 pairs (uint32) */
    float *out;      /* [m, n] contiguous */
    int64_t m, n, k, ldx; /* k: inputs per block row (float32), or input pairs (bf16) */
    const PackedTile *tiles; /* the layout's tiles for 1 .. MAX_ROWS rows, index = rows */
};

/* Zeroes the accumulators of M rows of a block (two vectors a row). */
__attribute__((target("avx512f"), always_inline)) static inline void zero_block(__m512 acc[MAX_ROWS][2], const int M) {
#pragma GCC unroll 8
    for (int i = 0; i < M; i++) {
        acc[i][0] = _mm512_setzero_ps();
        acc[i][1] = _mm512_setzero_ps();
    }
}

/* Stores the M rows of a block's 32 columns (two vectors a row), masked past n. */
__attribute__((target("avx512f"), always_inline)) static inline void store_block(const PackedJob *j, int64_t b,
                                                                                 int64_t r, const int M,
                                                                                 __m512 acc[MAX_ROWS][2]) {
    int64_t col = b * PACK, left = j->n - col;
    __mmask16 m0 = left >= 16 ? (__mmask16) 0xFFFF : (__mmask16) ((1u << left) - 1);
    __mmask16 m1 = left >= 32 ? (__mmask16) 0xFFFF : left <= 16 ? (__mmask16) 0 : (__mmask16) ((1u << (left - 16)) - 1);
#pragma GCC unroll 8
    for (int i = 0; i < M; i++) {
        float *o = j->out + (r + i) * j->n + col;
        _mm512_mask_storeu_ps(o, m0, acc[i][0]);
        _mm512_mask_storeu_ps(o + 16, m1, acc[i][1]);
    }
}

__attribute__((target("avx512f"), always_inline)) static inline void packed_tile(const PackedJob *j, int64_t b,
                                                                                 int64_t r, const int M) {
    const float *wb = (const float *) j->p + (size_t) b * (size_t) j->k * PACK;
    const float *x = (const float *) j->x + r * j->ldx;
    __m512 acc[MAX_ROWS][2];
    zero_block(acc, M);
    for (int64_t c = 0; c < j->k; c++) {
        __m512 w0 = _mm512_loadu_ps(wb + c * PACK), w1 = _mm512_loadu_ps(wb + c * PACK + 16);
#pragma GCC unroll 8
        for (int i = 0; i < M; i++) {
            __m512 xv = _mm512_set1_ps(x[i * j->ldx + c]);
            acc[i][0] = _mm512_fmadd_ps(w0, xv, acc[i][0]);
            acc[i][1] = _mm512_fmadd_ps(w1, xv, acc[i][1]);
        }
    }
    store_block(j, b, r, M, acc);
}

#define PACKED_TILE(M)                                                                                              \
    __attribute__((target("avx512f"), noinline)) static void packed_tile_##M(const PackedJob *j, int64_t b,         \
                                                                            int64_t r) {                          \
        packed_tile(j, b, r, M);                                                                                   \
    }
PACKED_TILE(1)
PACKED_TILE(2)
PACKED_TILE(3)
PACKED_TILE(4)
PACKED_TILE(5)
PACKED_TILE(6)
PACKED_TILE(7)
PACKED_TILE(8)

static const PackedTile float32_tiles[MAX_ROWS + 1] = {
        NULL, packed_tile_1, packed_tile_2, packed_tile_3, packed_tile_4,
        packed_tile_5, packed_tile_6, packed_tile_7, packed_tile_8};

static void packed_blocks(const PackedJob *j, int64_t from, int64_t to) {
    for (int64_t b = from; b < to; b++) {
        for (int64_t r = 0; r < j->m; r += MAX_ROWS) {
            int64_t rows_left = j->m - r;
            j->tiles[rows_left < MAX_ROWS ? rows_left : MAX_ROWS](j, b, r);
        }
    }
}

/* One thread's share of the blocks: contiguous. */
static void packed_share(void *arg) {
    const PackedJob *j = arg;
    int64_t t = omp_thread_num(), count = omp_num_threads();
    int64_t blocks = (j->n + PACK - 1) / PACK;
    int64_t from = blocks * t / count, to = blocks * (t + 1) / count;
    if (from < to) packed_blocks(j, from, to);
}

/* ---- LEM's packed layout for bf16: pairs of inputs, as vdpbf16ps reads them ----
 *
 * A matrix W [n, k] rounded to bf16 (as libtorch rounds) and packed as P [nb, k2, 32] of 32-bit pairs, nb =
 * ceil(n / 32), k2 = ceil(k / 2): element (b, c2, q) holds column 32b + q's weights for inputs 2·c2 (low 16 bits) and
 * 2·c2 + 1 (high 16 bits), zero past n and past k. The rows of x are rounded to bf16 once per call, as oneDNN's bf16
 * product rounds them, and paired the same way; for each pair c2 a block's 32 columns (two vectors, 128 bytes) meet
 * x's pair broadcast in one vdpbf16ps each (two products and a float32 accumulation per lane). A thread reads its
 * blocks as one sequential stream, as in the float32 layout, half the bytes; the blocks, threads and tiles are the
 * float32 layout's (PackedJob with k = k2). CPUs with AVX512_BF16 only; others get a plain C loop (correct, slow: the
 * program does not pack bf16 there).
 */
__attribute__((target("avx512f,avx512bw,avx512bf16"), always_inline)) static inline void pairs_tile(
        const PackedJob *j, int64_t b, int64_t r, const int M) {
    const uint32_t *wb = (const uint32_t *) j->p + (size_t) b * (size_t) j->k * PACK;
    const uint32_t *x = (const uint32_t *) j->x + r * j->ldx;
    __m512 acc[MAX_ROWS][2];
    zero_block(acc, M);
    for (int64_t c = 0; c < j->k; c++) {
        __m512i w0 = _mm512_loadu_si512((const void *) (wb + c * PACK));
        __m512i w1 = _mm512_loadu_si512((const void *) (wb + c * PACK + 16));
#pragma GCC unroll 8
        for (int i = 0; i < M; i++) {
            __m512i xv = _mm512_set1_epi32((int) x[i * j->ldx + c]);
            acc[i][0] = _mm512_dpbf16_ps(acc[i][0], (__m512bh) w0, (__m512bh) xv);
            acc[i][1] = _mm512_dpbf16_ps(acc[i][1], (__m512bh) w1, (__m512bh) xv);
        }
    }
    store_block(j, b, r, M, acc);
}

#define PAIRS_TILE(M)                                                                                               \
    __attribute__((target("avx512f,avx512bw,avx512bf16"), noinline)) static void pairs_tile_##M(                   \
            const PackedJob *j, int64_t b, int64_t r) {                                                             \
        pairs_tile(j, b, r, M);                                                                                     \
    }
PAIRS_TILE(1)
PAIRS_TILE(2)
PAIRS_TILE(3)
PAIRS_TILE(4)
PAIRS_TILE(5)
PAIRS_TILE(6)
PAIRS_TILE(7)
PAIRS_TILE(8)

static const PackedTile pairs_tiles[MAX_ROWS + 1] = {
        NULL, pairs_tile_1, pairs_tile_2, pairs_tile_3, pairs_tile_4,
        pairs_tile_5, pairs_tile_6, pairs_tile_7, pairs_tile_8};

/* The bf16 pairs product by a plain C loop, float32 sums of the bf16 products (CPUs without AVX512_BF16). */
static void pairs_scalar(const PackedJob *j) {
    const uint32_t *xb = j->x, *p = j->p;
    for (int64_t i = 0; i < j->m; i++) {
        for (int64_t r = 0; r < j->n; r++) {
            const uint32_t *wb = p + (size_t) (r / PACK) * (size_t) j->k * PACK + r % PACK;
            float sum = 0;
            for (int64_t c = 0; c < j->k; c++) {
                uint32_t w = wb[c * PACK], x = xb[i * j->ldx + c];
                sum += bf16_to_float((uint16_t) w) * bf16_to_float((uint16_t) x)
                        + bf16_to_float((uint16_t) (w >> 16)) * bf16_to_float((uint16_t) (x >> 16));
            }
            j->out[i * j->n + r] = sum;
        }
    }
}

/* ---- attention of one new token per row over the KV cache (decode steps) ----
 *
 * What the program's attention does for t = 1 with torch operations (two cache writes, a batched matmul, the mask, a
 * softmax, a second batched matmul: about ten operator calls a layer, each dispatched, some through MKL's batched
 * GEMM with its own OpenMP fork and join), in one call: for row i and key/value head g, the new key is written into the
 * transposed key cache kc [b, kvh, hd, cap] at slot `start` and the new value into vc [b, kvh, cap, hd]; then each of
 * the group's query heads scores slots 0 .. start, adds the additive mask of its row, takes the softmax and sums the
 * values. For Llama-style models the rotary embedding of q and k (six more operator calls) is done here too. Float32
 * throughout; AVX-512, with a plain C form for other CPUs (where the program keeps the torch form).
 */
typedef struct {
    const float *q, *k, *v; /* [b, heads·hd], [b, kvh·hd], [b, kvh·hd]: rows of stride ldq, ldk, ldv */
    int64_t ldq, ldk, ldv;
    float *kc, *vc;         /* [b, kvh, hd, cap], [b, kvh, cap, hd] contiguous */
    const float *mask;      /* [b, start + 1] additive, or NULL */
    const float *cos, *sin; /* [b, hd] rotary tables of the rows' positions (q and k not yet rotated), or NULL */
    float *out;             /* [b, heads·hd] */
    int64_t b, heads, kvh, hd, cap, start;
} AttentionJob;

/*
 * The rotary embedding of one head of hd values as the program computes it: with the head seen as two halves,
 * out[c][j] = x[c][j] · cos[c][j] + x[1 − c][j] · sin[c][j] (three roundings: each product, then the sum).
 */
static void rotate_head(const float *x, const float *cos, const float *sin, int64_t hd, float *out) {
    const int64_t half = hd / 2;
    for (int64_t d = 0; d < hd; d++) {
        float straight = x[d] * cos[d], swapped = x[d < half ? d + half : d - half] * sin[d];
        out[d] = straight + swapped;
    }
}

/* Row i, key/value head g: its group's query heads q (group · hd values, head after head) over slots 0 .. start. */
static void attend_plain(const AttentionJob *j, int64_t i, int64_t g, const float *q, float *s) {
    const int64_t group = j->heads / j->kvh, length = j->start + 1, hd = j->hd, cap = j->cap;
    const float *kt = j->kc + (size_t) (i * j->kvh + g) * (size_t) (hd * cap);
    const float *vv = j->vc + (size_t) (i * j->kvh + g) * (size_t) (cap * hd);
    for (int64_t h = 0; h < group; h++) {
        const float *qh = q + h * hd;
        float top = -__builtin_inff(), sum = 0.0f;
        for (int64_t l = 0; l < length; l++) {
            float dot = 0.0f;
            for (int64_t d = 0; d < hd; d++) dot += qh[d] * kt[d * cap + l];
            s[l] = dot + (j->mask != NULL ? j->mask[i * length + l] : 0.0f);
            top = s[l] > top ? s[l] : top;
        }
        for (int64_t l = 0; l < length; l++) {
            s[l] = expf(s[l] - top);
            sum += s[l];
        }
        float *o = j->out + i * j->heads * hd + (g * group + h) * hd;
        for (int64_t d = 0; d < hd; d++) {
            float acc = 0.0f;
            for (int64_t l = 0; l < length; l++) acc += s[l] * vv[l * hd + d];
            o[d] = acc / sum;
        }
    }
}

/* e^x for x ≤ 0, 16 lanes, to about 2 ulp: 2^n · p(r), r = x − n·ln 2, |r| ≤ ln 2 / 2, p of degree 6; 0 below −87. */
__attribute__((target("avx512f"), always_inline)) static inline __m512 exp_nonpositive16(__m512 x) {
    __mmask16 live = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-87.0f), _CMP_GE_OQ);
    x = _mm512_max_ps(x, _mm512_set1_ps(-87.0f));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145751953125f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.428606765330187e-06f), r);
    __m512 p = _mm512_set1_ps(1.3888889e-3f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3333338e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1666668e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666667e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
    return _mm512_maskz_mul_ps(live, p, _mm512_castsi512_ps(e));
}

/* Lanes of 16 from `at` that are below `end`. */
static inline __mmask16 lanes_below(int64_t at, int64_t end) {
    int64_t left = end - at;
    return left >= 16 ? (__mmask16) 0xFFFF : left <= 0 ? (__mmask16) 0 : (__mmask16) ((1u << left) - 1);
}

/*
 * a[0..3] = Σ_{t < count} weights[t] · rows[t · stride + 0 .. 63], 64 lanes in four accumulators (lanes outside the
 * masks read as 0): the scores (weights: a query head, rows: the transposed keys of 64 slots) and the weighted values
 * (weights: the probabilities, rows: 64 dimensions of the values).
 */
__attribute__((target("avx512f"), always_inline)) static inline void weighted_rows64(const float *weights,
                                                                                     const float *rows, int64_t stride,
                                                                                     int64_t count, __mmask16 m0,
                                                                                     __mmask16 m1, __mmask16 m2,
                                                                                     __mmask16 m3, __m512 a[4]) {
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int64_t t = 0; t < count; t++) {
        __m512 w = _mm512_set1_ps(weights[t]);
        const float *row = rows + t * stride;
        a0 = _mm512_fmadd_ps(w, _mm512_maskz_loadu_ps(m0, row), a0);
        a1 = _mm512_fmadd_ps(w, _mm512_maskz_loadu_ps(m1, row + 16), a1);
        a2 = _mm512_fmadd_ps(w, _mm512_maskz_loadu_ps(m2, row + 32), a2);
        a3 = _mm512_fmadd_ps(w, _mm512_maskz_loadu_ps(m3, row + 48), a3);
    }
    a[0] = a0;
    a[1] = a1;
    a[2] = a2;
    a[3] = a3;
}

/*
 * attend_plain with AVX-512: scores 64 slots at a time in four accumulators over the head dimension (keys are cached
 * transposed, so a slot range is contiguous for each dimension), the softmax in 16 lanes, the weighted values 64
 * dimensions at a time in four accumulators over the slots. Accumulators stay in registers: no sum goes through
 * memory between its terms.
 */
__attribute__((target("avx512f"))) static void attend_avx512(const AttentionJob *j, int64_t i, int64_t g,
                                                             const float *q, float *s) {
    const int64_t group = j->heads / j->kvh, length = j->start + 1, hd = j->hd, cap = j->cap;
    const float *kt = j->kc + (size_t) (i * j->kvh + g) * (size_t) (hd * cap);
    const float *vv = j->vc + (size_t) (i * j->kvh + g) * (size_t) (cap * hd);
    for (int64_t h = 0; h < group; h++) {
        const float *qh = q + h * hd;
        __m512 top = _mm512_set1_ps(-__builtin_inff());
        for (int64_t l0 = 0; l0 < length; l0 += 64) {
            __mmask16 m0 = lanes_below(l0, length), m1 = lanes_below(l0 + 16, length);
            __mmask16 m2 = lanes_below(l0 + 32, length), m3 = lanes_below(l0 + 48, length);
            __m512 a[4];
            weighted_rows64(qh, kt + l0, cap, hd, m0, m1, m2, m3, a);
            __m512 a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
            if (j->mask != NULL) {
                const float *mk = j->mask + i * length + l0;
                a0 = _mm512_add_ps(a0, _mm512_maskz_loadu_ps(m0, mk));
                a1 = _mm512_add_ps(a1, _mm512_maskz_loadu_ps(m1, mk + 16));
                a2 = _mm512_add_ps(a2, _mm512_maskz_loadu_ps(m2, mk + 32));
                a3 = _mm512_add_ps(a3, _mm512_maskz_loadu_ps(m3, mk + 48));
            }
            _mm512_mask_storeu_ps(s + l0, m0, a0);
            _mm512_mask_storeu_ps(s + l0 + 16, m1, a1);
            _mm512_mask_storeu_ps(s + l0 + 32, m2, a2);
            _mm512_mask_storeu_ps(s + l0 + 48, m3, a3);
            top = _mm512_mask_max_ps(top, m0, top, a0);
            top = _mm512_mask_max_ps(top, m1, top, a1);
            top = _mm512_mask_max_ps(top, m2, top, a2);
            top = _mm512_mask_max_ps(top, m3, top, a3);
        }
        __m512 shift = _mm512_set1_ps(_mm512_reduce_max_ps(top)), total = _mm512_setzero_ps();
        for (int64_t l0 = 0; l0 < length; l0 += 16) {
            __mmask16 m = lanes_below(l0, length);
            __m512 e = exp_nonpositive16(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, s + l0), shift));
            e = _mm512_maskz_mov_ps(m, e);
            total = _mm512_add_ps(total, e);
            _mm512_mask_storeu_ps(s + l0, m, e);
        }
        __m512 scale = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(total));
        float *o = j->out + i * j->heads * hd + (g * group + h) * hd;
        for (int64_t d0 = 0; d0 < hd; d0 += 64) {
            __mmask16 m0 = lanes_below(d0, hd), m1 = lanes_below(d0 + 16, hd);
            __mmask16 m2 = lanes_below(d0 + 32, hd), m3 = lanes_below(d0 + 48, hd);
            __m512 a[4];
            weighted_rows64(s, vv + d0, hd, length, m0, m1, m2, m3, a);
            _mm512_mask_storeu_ps(o + d0, m0, _mm512_mul_ps(a[0], scale));
            _mm512_mask_storeu_ps(o + d0 + 16, m1, _mm512_mul_ps(a[1], scale));
            _mm512_mask_storeu_ps(o + d0 + 32, m2, _mm512_mul_ps(a[2], scale));
            _mm512_mask_storeu_ps(o + d0 + 48, m3, _mm512_mul_ps(a[3], scale));
        }
    }
}

/*
 * Items from .. to − 1 (item = row · kvh + key/value head): the new key (rotated when the job has tables) and value
 * written into the caches, the group's query heads rotated into qr (group · hd values), then the attention. s holds
 * start + 1 scores.
 */
static void attention_items(const AttentionJob *j, int64_t from, int64_t to, float *s, float *qr) {
    const int64_t hd = j->hd, cap = j->cap, group = j->heads / j->kvh;
    for (int64_t item = from; item < to; item++) {
        int64_t i = item / j->kvh, g = item % j->kvh;
        float *kt = j->kc + (size_t) (i * j->kvh + g) * (size_t) (hd * cap);
        float *vv = j->vc + (size_t) (i * j->kvh + g) * (size_t) (cap * hd);
        const float *kn = j->k + i * j->ldk + g * hd, *vn = j->v + i * j->ldv + g * hd;
        const float *q = j->q + i * j->ldq + g * group * hd;
        if (j->cos != NULL) {
            rotate_head(kn, j->cos + i * hd, j->sin + i * hd, hd, qr);
            for (int64_t d = 0; d < hd; d++) kt[d * cap + j->start] = qr[d];
            for (int64_t h = 0; h < group; h++) rotate_head(q + h * hd, j->cos + i * hd, j->sin + i * hd, hd, qr + h * hd);
            q = qr;
        } else {
            for (int64_t d = 0; d < hd; d++) kt[d * cap + j->start] = kn[d];
        }
        memcpy(vv + j->start * hd, vn, (size_t) hd * sizeof *vn);
        if (isa >= ISA_AVX512) {
            attend_avx512(j, i, g, q, s);
        } else {
            attend_plain(j, i, g, q, s);
        }
    }
}

/* The items from .. to − 1 on the calling thread, with its own scratch (scores and rotated queries). */
static void attention_range(const AttentionJob *j, int64_t from, int64_t to) {
    float *s = malloc((size_t) (j->start + 1 + j->heads / j->kvh * j->hd) * sizeof *s);
    if (s == NULL) {
        for (int64_t item = from; item < to; item++) {
            float *o = j->out + item / j->kvh * j->heads * j->hd + item % j->kvh * (j->heads / j->kvh) * j->hd;
            for (int64_t x = 0; x < j->heads / j->kvh * j->hd; x++) o[x] = __builtin_nanf("");
        }
        return;
    }
    attention_items(j, from, to, s, s + j->start + 1);
    free(s);
}

/* One thread's share of the (row, key/value head) items: contiguous. */
static void attention_share(void *arg) {
    const AttentionJob *j = arg;
    int64_t t = omp_thread_num(), count = omp_num_threads(), items = j->b * j->kvh;
    int64_t from = items * t / count, to = items * (t + 1) / count;
    if (from < to) attention_range(j, from, to);
}

/* ---- the operator ---- */

static AtenTensorHandle as_tensor(StableIValue v) {
    AtenTensorHandle h;
    memcpy(&h, &v, sizeof h);
    return h;
}

static StableIValue from_tensor(AtenTensorHandle h) {
    StableIValue v = 0;
    memcpy(&v, &h, sizeof h);
    return v;
}

/* A float32 result [m, n] of x · Wᵀ computed by the plain C loop from any strides (the operator's general case). */
static void strided_scalar(const float *x, const int64_t *xst, const void *w, const int64_t *wst, int bf16,
                           float *out, int64_t m, int64_t n, int64_t k) {
    for (int64_t i = 0; i < m; i++) {
        for (int64_t r = 0; r < n; r++) {
            float s = 0;
            for (int64_t c = 0; c < k; c++) {
                int64_t at = r * wst[0] + c * wst[1];
                float wv = bf16 ? bf16_to_float(((const uint16_t *) w)[at]) : ((const float *) w)[at];
                s += wv * x[i * xst[0] + c * xst[1]];
            }
            out[i * n + r] = s;
        }
    }
}

/*
 * out = x · Wᵀ: x float32 [m, k], W float32 or bfloat16 [n, k], both on the CPU; returns float32 [m, n]. Rows of x
 * with contiguous columns, a contiguous W and m ≤ 8 take the vector kernel on `threads` threads of libtorch's OpenMP
 * team; any other layout or m the plain C loop (correct, slow: the program never sends one). This interface cannot
 * raise an error: an x that is not float32, a tensor not on the CPU, or sizes that do not match give a result full
 * of NaN.
 */
static void small_linear(StableIValue *stack, int64_t threads, int64_t wanted_isa) {
    AtenTensorHandle x = as_tensor(stack[0]), w = as_tensor(stack[1]);
    int64_t xdim = 0, wdim = 0, *xs = NULL, *xst = NULL, *ws = NULL, *wst = NULL;
    void *xp = NULL, *wp = NULL;
    int32_t xdtype = -1, wdtype = -1, xdevice = -1, wdevice = -1;
    get_device_type(x, &xdevice);
    get_device_type(w, &wdevice);
    get_dim(x, &xdim);
    get_dim(w, &wdim);
    get_sizes(x, &xs);
    get_strides(x, &xst);
    get_sizes(w, &ws);
    get_strides(w, &wst);
    get_data_ptr(x, &xp);
    get_data_ptr(w, &wp);
    get_dtype(x, &xdtype);
    get_dtype(w, &wdtype);
    int ok = xdevice == device_type_cpu() && wdevice == device_type_cpu() && xdim == 2 && wdim == 2
            && xdtype == dtype_float32()
            && (wdtype == dtype_float32() || wdtype == dtype_bfloat16()) && xs[1] == ws[1];
    int64_t m = xdim == 2 ? xs[0] : 0, n = wdim == 2 ? ws[0] : 0, k = xdim == 2 ? xs[1] : 0;
    int64_t sizes[2] = {m, n}, strides[2] = {n, 1};
    AtenTensorHandle out;
    empty_strided(2, sizes, strides, dtype_float32(), device_type_cpu(), 0, &out);
    float *op;
    get_data_ptr(out, (void **) &op);
    int bf16 = wdtype == dtype_bfloat16();
    if (!ok) {
        for (int64_t i = 0; i < m * n; i++) op[i] = __builtin_nanf("");
    } else if (m > MAX_ROWS || m == 0 || xst[1] != 1 || wst[1] != 1 || wst[0] != k) {
        strided_scalar(xp, xst, wp, wst, bf16, op, m, n, k);
    } else {
        Job job = {xp, wp, NULL, op, m, n, k, xst[0], bf16, (int) (wanted_isa < isa ? wanted_isa : isa)};
        if (job.isa < ISA_SCALAR) job.isa = ISA_SCALAR;
        uint16_t *xb = NULL;
        if (job.isa == ISA_AVX512_BF16 && bf16 && m >= 2) {
            xb = malloc((size_t) (m * k) * sizeof *xb);
            if (xb != NULL) round_to_bf16(xp, m, k, xst[0], xb, k);
            job.xb = xb;
        }
        if (threads > 1 && n >= 64) {
            gomp_parallel(share, &job, (unsigned) threads, 0);
        } else {
            rows(&job, 0, n);
        }
        free(xb);
    }
    delete_tensor(x);
    delete_tensor(w);
    stack[0] = from_tensor(out);
}

/* lem::small_linear(Tensor x, Tensor w) -> Tensor: on libtorch's intra-op thread count, with the best kernel. */
static void small_linear_boxed(StableIValue *stack, uint64_t num_args, uint64_t num_outputs) {
    (void) num_args;
    (void) num_outputs;
    small_linear(stack, intra_op_threads(), isa);
}

/* lem::small_linear_with(Tensor x, Tensor w, int threads, int isa) -> Tensor: as chosen (tests, benchmarks). */
static void small_linear_with_boxed(StableIValue *stack, uint64_t num_args, uint64_t num_outputs) {
    (void) num_args;
    (void) num_outputs;
    int64_t threads, wanted;
    memcpy(&threads, &stack[2], sizeof threads);
    memcpy(&wanted, &stack[3], sizeof wanted);
    small_linear(stack, threads < 1 ? 1 : threads, wanted);
}

/*
 * Packing W [n, k] (strides s0, s1) into LEM's layout, block by block, 16 inputs of the block's 32 rows at a time:
 * float32 ([nb, k, 32], dst) or bf16 pairs ([nb, k2, 32], dst32).
 */
typedef struct {
    const float *src;
    int64_t s0, s1, n, k;
    float *dst;
    uint32_t *dst32;
} PackJob;

static void pack_blocks(const PackJob *j, int64_t from, int64_t to) {
    const int64_t k2 = (j->k + 1) / 2;
    for (int64_t b = from; b < to; b++) {
        float *dst = j->dst == NULL ? NULL : j->dst + (size_t) b * (size_t) j->k * PACK;
        uint32_t *dst32 = j->dst32 == NULL ? NULL : j->dst32 + (size_t) b * (size_t) k2 * PACK;
        /* 16 inputs at a time: the 16 × 32 values written (at most 2 KiB) stay in L1 while the 32 rows are read */
        for (int64_t c0 = 0; c0 < j->k; c0 += 16) {
            int64_t c1 = c0 + 16 < j->k ? c0 + 16 : j->k;
            for (int q = 0; q < PACK; q++) {
                int64_t r = b * PACK + q;
                const float *row = r < j->n ? j->src + r * j->s0 : NULL;
                if (dst != NULL) {
                    for (int64_t c = c0; c < c1; c++) dst[c * PACK + q] = row != NULL ? row[c * j->s1] : 0.0f;
                } else {
                    for (int64_t c = c0; c < c1; c += 2) {
                        uint32_t lo = row != NULL ? to_bf16(row[c * j->s1]) : 0;
                        uint32_t hi = row != NULL && c + 1 < j->k ? to_bf16(row[(c + 1) * j->s1]) : 0;
                        dst32[c / 2 * PACK + q] = lo | hi << 16;
                    }
                }
            }
        }
    }
}

/* One thread's share of the blocks to pack: contiguous. */
static void pack_share(void *arg) {
    const PackJob *j = arg;
    int64_t t = omp_thread_num(), count = omp_num_threads();
    int64_t blocks = (j->n + PACK - 1) / PACK;
    int64_t from = blocks * t / count, to = blocks * (t + 1) / count;
    if (from < to) pack_blocks(j, from, to);
}

/* A result tensor [d0, d1] (or [d0, d1, d2] when d2 > 0) of the given dtype on the CPU, and its data. */
static AtenTensorHandle new_tensor(int32_t dtype, int64_t d0, int64_t d1, int64_t d2, void **data) {
    int64_t sizes[3] = {d0, d1, d2};
    int64_t strides[3] = {d2 > 0 ? d1 * d2 : d1, d2 > 0 ? d2 : 1, 1};
    AtenTensorHandle out;
    empty_strided(d2 > 0 ? 3 : 2, sizes, strides, dtype, device_type_cpu(), 0, &out);
    get_data_ptr(out, data);
    return out;
}

static AtenTensorHandle new_float32(int64_t d0, int64_t d1, int64_t d2, float **data) {
    return new_tensor(dtype_float32(), d0, d1, d2, (void **) data);
}

/*
 * W [n, k] (float32, any strides) in LEM's packed layout: float32 [nb, k, 32] (see PackedJob) or, with pairs, bf16
 * pairs int32 [nb, k2, 32] (see pairs_tile). Anything else (not float32, not 2-D, not on the CPU) gives one block of
 * NaN (float32) or of zero-size inputs (pairs: [1, 0, 32]), which packed_linear turns into NaN results.
 */
static void pack(StableIValue *stack, int pairs) {
    AtenTensorHandle w = as_tensor(stack[0]);
    int64_t dim = 0, *sizes = NULL, *strides = NULL;
    int32_t dtype = -1, device = -1;
    void *data = NULL;
    get_device_type(w, &device);
    get_dim(w, &dim);
    get_dtype(w, &dtype);
    void *op;
    AtenTensorHandle out;
    if (device != device_type_cpu() || dim != 2 || dtype != dtype_float32()) {
        if (pairs) {
            out = new_tensor(dtype_int32(), 1, 0, PACK, &op);
        } else {
            out = new_tensor(dtype_float32(), 1, 1, PACK, &op);
            for (int i = 0; i < PACK; i++) ((float *) op)[i] = __builtin_nanf("");
        }
    } else {
        get_sizes(w, &sizes);
        get_strides(w, &strides);
        get_data_ptr(w, &data);
        int64_t n = sizes[0], k = sizes[1], nb = (n + PACK - 1) / PACK;
        out = pairs ? new_tensor(dtype_int32(), nb, (k + 1) / 2, PACK, &op) : new_tensor(dtype_float32(), nb, k, PACK, &op);
        PackJob job = {data, strides[0], strides[1], n, k, pairs ? NULL : op, pairs ? op : NULL};
        int64_t threads = intra_op_threads();
        if (threads > 1 && nb > 1) {
            gomp_parallel(pack_share, &job, (unsigned) threads, 0);
        } else {
            pack_blocks(&job, 0, nb);
        }
    }
    delete_tensor(w);
    stack[0] = from_tensor(out);
}

/* lem::pack_columns(Tensor w) -> Tensor: float32 W [n, k] in LEM's float32 packed layout [nb, k, 32]. */
static void pack_columns_boxed(StableIValue *stack, uint64_t num_args, uint64_t num_outputs) {
    (void) num_args;
    (void) num_outputs;
    pack(stack, 0);
}

/* lem::pack_bf16_pairs(Tensor w) -> Tensor: float32 W [n, k] rounded to bf16 in LEM's pairs layout, int32 [nb, k2, 32]. */
static void pack_bf16_pairs_boxed(StableIValue *stack, uint64_t num_args, uint64_t num_outputs) {
    (void) num_args;
    (void) num_outputs;
    pack(stack, 1);
}

/*
 * lem::packed_linear(Tensor x, Tensor p, int n) -> Tensor: out = x · Wᵀ [m, n] for x float32 [m, k] (columns
 * contiguous) and p = pack_columns(W) (float32) or pack_bf16_pairs(W) (int32: x is then rounded to bf16, as oneDNN's
 * bf16 product does), W [n, k]; any m. On CPUs without AVX-512 (pairs: without AVX512_BF16) a plain C loop (correct,
 * slow: the program does not pack there). Inputs that do not fit give a result full of NaN.
 */
static void packed_linear_boxed(StableIValue *stack, uint64_t num_args, uint64_t num_outputs) {
    (void) num_args;
    (void) num_outputs;
    AtenTensorHandle x = as_tensor(stack[0]), p = as_tensor(stack[1]);
    int64_t n;
    memcpy(&n, &stack[2], sizeof n);
    int64_t xdim = 0, pdim = 0, *xs = NULL, *xst = NULL, *ps = NULL, *pst = NULL;
    void *xp = NULL, *pp = NULL;
    int32_t xdtype = -1, pdtype = -1, xdevice = -1, pdevice = -1;
    get_device_type(x, &xdevice);
    get_device_type(p, &pdevice);
    get_dim(x, &xdim);
    get_dim(p, &pdim);
    get_dtype(x, &xdtype);
    get_dtype(p, &pdtype);
    int pairs = pdtype == dtype_int32();
    int ok = xdevice == device_type_cpu() && pdevice == device_type_cpu() && xdim == 2 && pdim == 3
            && xdtype == dtype_float32() && (pdtype == dtype_float32() || pairs) && n >= 0;
    if (ok) {
        get_sizes(x, &xs);
        get_strides(x, &xst);
        get_sizes(p, &ps);
        get_strides(p, &pst);
        get_data_ptr(x, &xp);
        get_data_ptr(p, &pp);
        ok = (pairs ? (xs[1] + 1) / 2 : xs[1]) == ps[1] && ps[2] == PACK && ps[0] == (n + PACK - 1) / PACK
                && xst[1] == 1 && pst[2] == 1 && pst[1] == PACK && pst[0] == ps[1] * PACK;
    }
    int64_t m = xdim == 2 && xs != NULL ? xs[0] : 0;
    float *op;
    AtenTensorHandle out = new_float32(m, n < 0 ? 0 : n, 0, &op);
    int64_t threads = intra_op_threads();
    uint16_t *xb = NULL;
    if (ok && pairs) {
        int64_t k = xs[1], k2 = (k + 1) / 2;
        xb = malloc((size_t) (m * k2 > 0 ? m * k2 : 1) * 2 * sizeof *xb);
        ok = xb != NULL;
        if (ok && isa == ISA_AVX512_BF16) {
            round_to_bf16(xp, m, k, xst[0], xb, 2 * k2);
        } else if (ok) {
            for (int64_t i = 0; i < m; i++) {
                for (int64_t c = 0; c < 2 * k2; c++) xb[i * 2 * k2 + c] = c < k ? to_bf16(((float *) xp)[i * xst[0] + c]) : 0;
            }
        }
    }
    if (!ok) {
        for (int64_t i = 0; i < m * n; i++) op[i] = __builtin_nanf("");
    } else if (pairs) {
        /* xb's bf16 values in order are little-endian pairs: the even input in the low 16 bits */
        PackedJob job = {xb, pp, op, m, n, ps[1], ps[1], pairs_tiles};
        if (isa != ISA_AVX512_BF16) {
            pairs_scalar(&job);
        } else if (threads > 1 && n > PACK) {
            gomp_parallel(packed_share, &job, (unsigned) threads, 0);
        } else {
            packed_blocks(&job, 0, (n + PACK - 1) / PACK);
        }
    } else if (isa >= ISA_AVX512) {
        PackedJob job = {xp, pp, op, m, n, xs[1], xst[0], float32_tiles};
        if (threads > 1 && n > PACK) {
            gomp_parallel(packed_share, &job, (unsigned) threads, 0);
        } else {
            packed_blocks(&job, 0, (n + PACK - 1) / PACK);
        }
    } else {
        const float *xf = xp, *pf = pp;
        int64_t k = xs[1];
        for (int64_t i = 0; i < m; i++) {
            for (int64_t r = 0; r < n; r++) {
                const float *wb = pf + (size_t) (r / PACK) * (size_t) k * PACK + r % PACK;
                float sum = 0;
                for (int64_t c = 0; c < k; c++) sum += wb[c * PACK] * xf[i * xst[0] + c];
                op[i * n + r] = sum;
            }
        }
    }
    free(xb);
    delete_tensor(x);
    delete_tensor(p);
    stack[0] = from_tensor(out);
}

/* Whether tensor h is float32 on the CPU, of `dim` dimensions, last stride 1; its sizes, strides and data. */
static int float32_cpu(AtenTensorHandle h, int64_t dim, int64_t **sizes, int64_t **strides, void **data) {
    int64_t d = 0;
    int32_t dtype = -1, device = -1;
    get_device_type(h, &device);
    get_dtype(h, &dtype);
    get_dim(h, &d);
    if (device != device_type_cpu() || dtype != dtype_float32() || d != dim) return 0;
    get_sizes(h, sizes);
    get_strides(h, strides);
    get_data_ptr(h, data);
    return (*strides)[dim - 1] == 1 || (*sizes)[dim - 1] == 1;
}

/*
 * lem::decode_attention(Tensor q, Tensor k, Tensor v, Tensor kc, Tensor vc, int start, Tensor mask, int masked,
 * Tensor cos, Tensor sin, int rotate) -> Tensor: attention of one new token per row (see AttentionJob): q float32
 * [b, heads·hd], k and v [b, kvh·hd] (columns contiguous, any row stride), the caches kc [b, kvh, hd, cap] and
 * vc [b, kvh, cap, hd] contiguous (written at slot `start`), with masked ≠ 0 the additive mask float32
 * [b, 1, 1, start + 1] contiguous, with rotate ≠ 0 q and k not yet rotated and cos, sin float32 [b, hd] contiguous
 * (the rotary tables at the rows' positions); returns [b, heads·hd]. Inputs that do not fit give a result full of NaN
 * and leave the caches alone.
 */
static void decode_attention_boxed(StableIValue *stack, uint64_t num_args, uint64_t num_outputs) {
    (void) num_args;
    (void) num_outputs;
    AtenTensorHandle q = as_tensor(stack[0]), k = as_tensor(stack[1]), v = as_tensor(stack[2]);
    AtenTensorHandle kc = as_tensor(stack[3]), vc = as_tensor(stack[4]), mask = as_tensor(stack[6]);
    AtenTensorHandle cos = as_tensor(stack[8]), sin = as_tensor(stack[9]);
    int64_t start, masked, rotate;
    memcpy(&start, &stack[5], sizeof start);
    memcpy(&masked, &stack[7], sizeof masked);
    memcpy(&rotate, &stack[10], sizeof rotate);
    int64_t *qs, *qst, *ks, *kst, *vs, *vst, *kcs, *kcst, *vcs, *vcst, *ms = NULL, *mst = NULL;
    int64_t *cs = NULL, *cst = NULL, *ss = NULL, *sst = NULL;
    void *qp, *kp, *vp, *kcp, *vcp, *mp = NULL, *cp = NULL, *sp = NULL;
    int qok = float32_cpu(q, 2, &qs, &qst, &qp);
    int ok = qok && float32_cpu(k, 2, &ks, &kst, &kp) && float32_cpu(v, 2, &vs, &vst, &vp)
            && float32_cpu(kc, 4, &kcs, &kcst, &kcp) && float32_cpu(vc, 4, &vcs, &vcst, &vcp);
    int64_t b = qok ? qs[0] : 0, width = qok ? qs[1] : 0;
    int64_t kvh = ok ? kcs[1] : 1, hd = ok ? kcs[2] : 1, cap = ok ? kcs[3] : 0;
    ok = ok && hd > 0 && kvh > 0 && qs[1] % hd == 0 && qs[1] / hd % kvh == 0 && ks[0] == b && vs[0] == b
            && ks[1] == kvh * hd && vs[1] == kvh * hd && kcs[0] == b && vcs[0] == b && vcs[1] == kvh && vcs[2] == cap
            && vcs[3] == hd && kcst[3] == 1 && kcst[2] == cap && kcst[1] == hd * cap && kcst[0] == kvh * hd * cap
            && vcst[3] == 1 && vcst[2] == hd && vcst[1] == cap * hd && vcst[0] == kvh * cap * hd
            && start >= 0 && start < cap;
    if (ok && masked) {
        ok = float32_cpu(mask, 4, &ms, &mst, &mp) && ms[0] == b && ms[1] == 1 && ms[2] == 1 && ms[3] == start + 1
                && mst[0] == start + 1;
    }
    if (ok && rotate) {
        ok = hd % 2 == 0 && float32_cpu(cos, 2, &cs, &cst, &cp) && float32_cpu(sin, 2, &ss, &sst, &sp)
                && cs[0] == b && cs[1] == hd && cst[0] == hd && ss[0] == b && ss[1] == hd && sst[0] == hd;
    }
    float *op;
    AtenTensorHandle out = new_float32(b, width, 0, &op);
    if (!ok) {
        for (int64_t i = 0; i < b * width; i++) op[i] = __builtin_nanf("");
    } else {
        AttentionJob job = {qp, kp, vp, qst[0], kst[0], vst[0], kcp, vcp, masked ? mp : NULL, rotate ? cp : NULL,
                rotate ? sp : NULL, op, b, qs[1] / hd, kvh, hd, cap, start};
        int64_t threads = intra_op_threads();
        /* a fork and join costs a few microseconds: worth it from about 2^18 multiply-adds */
        if (threads > 1 && b * kvh > 1 && b * qs[1] * (start + 1) >= (1 << 18)) {
            gomp_parallel(attention_share, &job, (unsigned) threads, 0);
        } else {
            attention_range(&job, 0, b * kvh);
        }
    }
    delete_tensor(q);
    delete_tensor(k);
    delete_tensor(v);
    delete_tensor(kc);
    delete_tensor(vc);
    delete_tensor(mask);
    delete_tensor(cos);
    delete_tensor(sin);
    stack[0] = from_tensor(out);
}

/* lem::kernel_isa() -> int: the best kernel this CPU runs: 4 AVX-512 with BF16, 3 AVX-512, 2 AVX2 with FMA, 1 C. */
static void kernel_isa_boxed(StableIValue *stack, uint64_t num_args, uint64_t num_outputs) {
    (void) num_args;
    (void) num_outputs;
    int64_t v = isa;
    memcpy(&stack[0], &v, sizeof v);
}

#define LOOKUP(var, lib, name)                              \
    do {                                                    \
        *(void **) (&(var)) = dlsym((lib), (name));         \
        if ((var) == NULL) return "missing " name;          \
    } while (0)

/* why the operators are not registered (NULL when they are): visible in a debugger, not read by Java */
static const char *registration_problem = "not attempted";

static const char *register_operators(void) {
    void *torch = dlopen("libtorch_cpu.so", RTLD_LAZY | RTLD_NOLOAD);
    if (torch == NULL) return "libtorch_cpu.so is not loaded in this process";
    LOOKUP(library_init_def, torch, "aoti_torch_library_init_def");
    LOOKUP(library_init_impl, torch, "aoti_torch_library_init_impl");
    LOOKUP(library_def, torch, "aoti_torch_library_def");
    LOOKUP(library_impl, torch, "aoti_torch_library_impl");
    LOOKUP(get_data_ptr, torch, "aoti_torch_get_data_ptr");
    LOOKUP(get_dim, torch, "aoti_torch_get_dim");
    LOOKUP(get_sizes, torch, "aoti_torch_get_sizes");
    LOOKUP(get_strides, torch, "aoti_torch_get_strides");
    LOOKUP(get_dtype, torch, "aoti_torch_get_dtype");
    LOOKUP(get_device_type, torch, "aoti_torch_get_device_type");
    LOOKUP(empty_strided, torch, "aoti_torch_empty_strided");
    LOOKUP(delete_tensor, torch, "aoti_torch_delete_tensor_object");
    LOOKUP(dtype_float32, torch, "aoti_torch_dtype_float32");
    LOOKUP(dtype_bfloat16, torch, "aoti_torch_dtype_bfloat16");
    LOOKUP(dtype_int32, torch, "aoti_torch_dtype_int32");
    LOOKUP(device_type_cpu, torch, "aoti_torch_device_type_cpu");
    LOOKUP(gomp_parallel, torch, "GOMP_parallel");
    LOOKUP(omp_thread_num, torch, "omp_get_thread_num");
    LOOKUP(omp_num_threads, torch, "omp_get_num_threads");
    LOOKUP(libtorch_threads, torch, "_ZN2at15get_num_threadsEv"); /* int at::get_num_threads() */
    __builtin_cpu_init();
    isa = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
                    && __builtin_cpu_supports("avx512bf16") ? ISA_AVX512_BF16
            : __builtin_cpu_supports("avx512f") ? ISA_AVX512
            : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? ISA_AVX2 : ISA_SCALAR;
    TorchLibraryHandle def, impl;
    if (library_init_def("lem", "lem_kernels.c", 1, &def) != 0) return "could not create the lem operator library";
    if (library_def(def, "small_linear(Tensor x, Tensor w) -> Tensor") != 0
            || library_def(def, "small_linear_with(Tensor x, Tensor w, int threads, int isa) -> Tensor") != 0
            || library_def(def, "kernel_isa() -> int") != 0
            || library_def(def, "pack_columns(Tensor w) -> Tensor") != 0
            || library_def(def, "pack_bf16_pairs(Tensor w) -> Tensor") != 0
            || library_def(def, "decode_attention(Tensor q, Tensor k, Tensor v, Tensor(a!) kc, Tensor(b!) vc, int start, "
                                "Tensor mask, int masked, Tensor cos, Tensor sin, int rotate) -> Tensor") != 0
            || library_def(def, "packed_linear(Tensor x, Tensor p, int n) -> Tensor") != 0) {
        return "could not define lem::small_linear";
    }
    if (library_init_impl("lem", "CPU", "lem_kernels.c", 1, &impl) != 0
            || library_impl(impl, "small_linear", small_linear_boxed) != 0
            || library_impl(impl, "small_linear_with", small_linear_with_boxed) != 0
            || library_impl(impl, "pack_columns", pack_columns_boxed) != 0
            || library_impl(impl, "pack_bf16_pairs", pack_bf16_pairs_boxed) != 0
            || library_impl(impl, "decode_attention", decode_attention_boxed) != 0
            || library_impl(impl, "packed_linear", packed_linear_boxed) != 0) {
        return "could not implement lem::small_linear for the CPU";
    }
    TorchLibraryHandle any;
    if (library_init_impl("lem", "CompositeExplicitAutograd", "lem_kernels.c", 2, &any) != 0
            || library_impl(any, "kernel_isa", kernel_isa_boxed) != 0) {
        return "could not implement lem::kernel_isa";
    }
    /* the library handles stay alive for the life of the process: deleting them would unregister the operators */
    return NULL;
}

/* Registers the operators when the library is loaded (System.load, after libtorch). */
__attribute__((constructor)) static void lem_kernels_load(void) {
    registration_problem = register_operators();
}
