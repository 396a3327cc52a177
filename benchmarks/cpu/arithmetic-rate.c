/*
 * The rate at which this CPU issues 512-bit float32 multiply-adds (vfmadd) and bf16 dot products (vdpbf16ps), on one
 * thread and on every thread, from 16 independent chains (enough to hide the latency): the arithmetic ceiling of
 * LEM's packed products at several rows (docs/performance.md, "bf16 pairs layout and decode attention"). At 8 rows a
 * product issues 16 such instructions per 128 bytes of weights, so two cores at R instructions per second each cap
 * it at 2 · R · 8 bytes per second of weights.
 *
 *   gcc -O2 -fopenmp arithmetic-rate.c -o arithmetic-rate && ./arithmetic-rate
 */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* 16 chains of `iterations` instructions each; returns a sum so that nothing is optimised away */
__attribute__((target("avx512f,avx512bf16"))) static float chains(long iterations, int bf16) {
    __m512 a[16];
    for (int i = 0; i < 16; i++) a[i] = _mm512_set1_ps(i * 1e-3f);
    __m512 w = _mm512_set1_ps(0.5f), x = _mm512_set1_ps(0.25f);
    __m512i wb = _mm512_set1_epi32(0x3f003f00), xb = _mm512_set1_epi32(0x3e803e80);
    for (long n = 0; n < iterations; n++) {
        if (bf16) {
#pragma GCC unroll 16
            for (int i = 0; i < 16; i++) a[i] = _mm512_dpbf16_ps(a[i], (__m512bh) wb, (__m512bh) xb);
            __asm__ volatile("" : "+v"(wb));
        } else {
#pragma GCC unroll 16
            for (int i = 0; i < 16; i++) a[i] = _mm512_fmadd_ps(a[i], w, x);
            __asm__ volatile("" : "+v"(w));
        }
    }
    __m512 s = a[0];
    for (int i = 1; i < 16; i++) s = _mm512_add_ps(s, a[i]);
    return _mm512_reduce_add_ps(s);
}

int main(void) {
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bf16")) {
        printf("this CPU has no AVX-512 with BF16: nothing to measure\n");
        return 0;
    }
    const long iterations = 100000000;
    int all = omp_get_max_threads();
    printf("| instruction | threads | billion per second, all threads | per thread |\n|---|---|---|---|\n");
    for (int bf16 = 0; bf16 < 2; bf16++) {
        for (int threads = 1; threads <= all; threads = threads == all ? all + 1 : all) {
            double t0 = now();
            float sink = 0;
#pragma omp parallel num_threads(threads) reduction(+ : sink)
            sink += chains(iterations, bf16);
            double seconds = now() - t0;
            double rate = 16.0 * iterations * threads / seconds / 1e9;
            printf("| %s | %d | %.2f | %.2f |%s\n", bf16 ? "vdpbf16ps zmm" : "vfmadd zmm (fp32)", threads, rate,
                   rate / threads, sink == 12345.0f ? " " : "");
        }
    }
    return 0;
}
