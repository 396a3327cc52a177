/*
 * gemv_probe: how fast a plain matrix x vector product reads fp32 weights on this CPU, outside libtorch.
 *
 * Not part of the build. It backs one measurement in docs/performance.md ("The matrix products do not
 * follow the bandwidth up"): libtorch's fastest batch-1 product (MKL, two columns) stays at about
 * 40-43 GB/s of weights whatever the machine's bandwidth, while this loop follows the bandwidth.
 *
 *   gcc -O3 -march=native -fopenmp lem-backend-djl/src/test/c/gemv_probe.c -o /tmp/gemv_probe
 *   OMP_NUM_THREADS=2 /tmp/gemv_probe [rows cols]
 *
 * y = W x for 13 matrices W of rows x cols (default 11264 x 1024, TinyLlama's gate/up projection in
 * the backend's column blocks), with one input vector and with two. Prints GB/s of weights read,
 * 8 repetitions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    int rows = argc > 2 ? atoi(argv[1]) : 11264;
    int cols = argc > 2 ? atoi(argv[2]) : 1024;
    const int copies = 13; /* more weights than any cache holds */
    size_t n = (size_t) rows * cols;
    float **w = malloc(sizeof(float *) * copies);
    for (int c = 0; c < copies; c++) {
        w[c] = aligned_alloc(64, n * 4);
        for (size_t i = 0; i < n; i++) {
            w[c][i] = (float) ((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
        }
    }
    float *x = aligned_alloc(64, (size_t) cols * 4 * 2);
    for (int i = 0; i < 2 * cols; i++) {
        x[i] = (float) i / cols;
    }
    float *y = aligned_alloc(64, (size_t) rows * 4 * 2);
    for (int rep = 0; rep < 8; rep++) {
        double t = now();
        for (int c = 0; c < copies; c++) {
            const float *W = w[c];
#pragma omp parallel for schedule(static)
            for (int r = 0; r < rows; r++) {
                const float *row = W + (size_t) r * cols;
                float s = 0;
#pragma omp simd reduction(+ : s)
                for (int k = 0; k < cols; k++) {
                    s += row[k] * x[k];
                }
                y[r] = s;
            }
        }
        double one = now() - t;
        t = now();
        for (int c = 0; c < copies; c++) {
            const float *W = w[c];
#pragma omp parallel for schedule(static)
            for (int r = 0; r < rows; r++) {
                const float *row = W + (size_t) r * cols;
                float s0 = 0, s1 = 0;
#pragma omp simd reduction(+ : s0, s1)
                for (int k = 0; k < cols; k++) {
                    s0 += row[k] * x[k];
                    s1 += row[k] * x[cols + k];
                }
                y[r] = s0;
                y[rows + r] = s1;
            }
        }
        double two = now() - t;
        printf("1 vector %.1f GB/s, 2 vectors %.1f GB/s\n", n * 4.0 * copies / one / 1e9, n * 4.0 * copies / two / 1e9);
    }
    return y[5] > 1e30f; /* keeps the results live */
}
