/*
 * A scripted stand-in for NVIDIA's libnvidia-ml.so, for LEM's tests on machines without a GPU.
 *
 * It exports the NVML functions lem-nvml binds, with the real signatures and return codes, and a
 * few fake_nvml_* control functions the tests call (through JNA, on the same loaded library) to
 * script devices: energy ramps, missing capabilities, error codes, a GPU that is lost, MIG slices.
 *
 * Time: every reading is a function of a clock in milliseconds. By default it is the real
 * monotonic clock since the library was loaded; fake_nvml_set_time_ms() switches to a virtual
 * clock the test advances, so energies are exact. Power is a linear ramp
 *     P(t) = power_mw + power_slope_mw_per_s * t_s                      [mW]
 * and the energy counter its exact integral
 *     E(t) = energy_mj + power_mw * t_s + power_slope_mw_per_s * t_s^2 / 2   [mJ, truncated]
 * so a trapezoid rule over power samples reproduces the counter exactly.
 *
 * Built twice by the Maven build: the full library, and with -DFAKE_OLD_DRIVER a library that
 * lacks the symbols newer drivers added (energy counter, clock-event reasons, CUDA version v2,
 * architecture, MIG), like an old driver's NVML.
 */
#include <math.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define EXPORT __attribute__((visibility("default")))

typedef int nvmlReturn_t;
typedef struct fake_device *nvmlDevice_t;

enum {
    NVML_SUCCESS = 0, NVML_ERROR_UNINITIALIZED = 1, NVML_ERROR_INVALID_ARGUMENT = 2,
    NVML_ERROR_NOT_SUPPORTED = 3, NVML_ERROR_NOT_FOUND = 6, NVML_ERROR_INSUFFICIENT_SIZE = 7,
    NVML_ERROR_GPU_IS_LOST = 15
};

#define MAX_GPUS 8
#define MAX_MIGS 7

/* Numeric knobs of a device; names are the keys accepted by fake_nvml_set. */
#define KNOBS(X) \
    X(energy_mj) X(power_mw) X(power_slope_mw_per_s) X(temperature_c) X(sm_clock_mhz) \
    X(mem_clock_mhz) X(util_gpu) X(util_mem) X(mem_total) X(mem_used) X(reasons) X(pstate) \
    X(arch) X(cc_major) X(cc_minor) X(power_limit_mw) X(enforced_limit_mw) X(default_limit_mw) \
    X(persistence) X(mig_mode) X(mig_pending) X(mig_count) X(lost) X(gpu_instance_id) \
    X(compute_instance_id) X(energy_error) X(power_error) \
    X(energy_supported) X(power_supported) X(temperature_supported) X(clocks_supported) \
    X(reasons_supported) X(util_supported) X(memory_supported) X(pstate_supported) \
    X(limits_supported) X(persistence_supported) X(arch_supported) X(instant_supported)

#define AS_FIELD(name) long long name;
#define AS_NAME(name) #name,
#define AS_OFFSET(name) offsetof(struct knobs, name),

struct knobs { KNOBS(AS_FIELD) };
static const char *const knob_names[] = { KNOBS(AS_NAME) };
static const size_t knob_offsets[] = { KNOBS(AS_OFFSET) };
#define KNOB_COUNT (sizeof(knob_names) / sizeof(knob_names[0]))

struct fake_device {
    struct knobs k;
    char uuid[96];
    char name[96];
    int index;                      /* NVML index (GPU) or MIG index (MIG device) */
    struct fake_device *parent;     /* NULL for a GPU */
};

static struct fake_device gpus[MAX_GPUS];
static struct fake_device migs[MAX_GPUS][MAX_MIGS];
static int device_count;
static int init_depth;
static long long init_calls, shutdown_calls, init_result, count_error, cuda_version;
static long long energy_calls, power_calls, virtual_time_ms = -1, energy_read_cost_ms;
static char driver_version[80];
static struct timespec loaded_at;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void reset_device(struct fake_device *d, int index, struct fake_device *parent) {
    memset(d, 0, sizeof *d);
    d->index = index;
    d->parent = parent;
    long long *k = (long long *) &d->k;
    for (size_t i = 0; i < KNOB_COUNT; i++) {
        if (strstr(knob_names[i], "_supported") != NULL) {
            k[i] = 1;
        }
    }
    d->k.power_mw = 100000;
    d->k.temperature_c = 40;
    d->k.sm_clock_mhz = 1980;
    d->k.mem_clock_mhz = 2619;
    d->k.util_gpu = 50;
    d->k.util_mem = 20;
    d->k.mem_total = 85899345920LL; /* 80 GiB */
    d->k.mem_used = 1073741824LL;   /* 1 GiB */
    d->k.pstate = 0;
    d->k.arch = 9; /* Hopper */
    d->k.cc_major = 9;
    d->k.power_limit_mw = 700000;
    d->k.enforced_limit_mw = 700000;
    d->k.default_limit_mw = 700000;
    d->k.persistence = 1;
    if (parent == NULL) {
        snprintf(d->uuid, sizeof d->uuid, "GPU-%08x-1111-2222-3333-44444444444%d", 0xabc00000 + index, index);
        snprintf(d->name, sizeof d->name, "Fake NVIDIA H100 80GB HBM3");
    } else {
        snprintf(d->uuid, sizeof d->uuid, "MIG-%08x-5555-6666-7777-8888888888%d%d", 0xdef00000 + parent->index,
                 parent->index, index);
        snprintf(d->name, sizeof d->name, "%.80s MIG 1g.10gb", parent->name);
        d->k.mem_total = 10468982784LL; /* 9.75 GiB */
        d->k.mem_used = 104857600LL;
        d->k.gpu_instance_id = 7 + index;
        d->k.compute_instance_id = 0;
    }
}

static void reset_all(int count) {
    device_count = count < 0 ? 0 : (count > MAX_GPUS ? MAX_GPUS : count);
    for (int g = 0; g < MAX_GPUS; g++) {
        reset_device(&gpus[g], g, NULL);
        for (int m = 0; m < MAX_MIGS; m++) {
            reset_device(&migs[g][m], m, &gpus[g]);
        }
    }
    init_depth = 0;
    init_calls = shutdown_calls = init_result = count_error = energy_calls = power_calls = energy_read_cost_ms = 0;
    virtual_time_ms = -1;
    cuda_version = 13000;
    snprintf(driver_version, sizeof driver_version, "580.159.04-fake");
    clock_gettime(CLOCK_MONOTONIC, &loaded_at);
}

__attribute__((constructor)) static void on_load(void) {
    reset_all(1);
}

static double now_ms(void) {
    if (virtual_time_ms >= 0) {
        return (double) virtual_time_ms;
    }
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - loaded_at.tv_sec) * 1e3 + (t.tv_nsec - loaded_at.tv_nsec) / 1e6;
}

/* The time a call costs: the virtual clock moves on (whole ms), or the caller really waits. */
static void spend(double ms) {
    if (ms <= 0) {
        return;
    }
    if (virtual_time_ms >= 0) {
        virtual_time_ms += (long long) ms;
        return;
    }
    struct timespec t = { (time_t) (ms / 1000), (long) (fmod(ms, 1000.0) * 1e6) };
    nanosleep(&t, NULL);
}

static long long *knob(struct fake_device *d, const char *key) {
    for (size_t i = 0; i < KNOB_COUNT; i++) {
        if (strcmp(knob_names[i], key) == 0) {
            return (long long *) ((char *) &d->k + knob_offsets[i]);
        }
    }
    return NULL;
}

static struct fake_device *device_at(int gpu, int mig) {
    if (gpu < 0 || gpu >= MAX_GPUS || mig < -1 || mig >= MAX_MIGS) {
        return NULL;
    }
    return mig < 0 ? &gpus[gpu] : &migs[gpu][mig];
}

/* ------------------------------------------------------------------ control functions (tests) */

/** Forgets everything and starts over with {@code count} default GPUs. */
EXPORT void fake_nvml_reset(int count) {
    pthread_mutex_lock(&lock);
    reset_all(count);
    pthread_mutex_unlock(&lock);
}

/** Sets a numeric knob of GPU {@code gpu} (mig = -1) or of its MIG device {@code mig}; 0 on success. */
EXPORT int fake_nvml_set(int gpu, int mig, const char *key, long long value) {
    pthread_mutex_lock(&lock);
    struct fake_device *d = device_at(gpu, mig);
    long long *p = d == NULL ? NULL : knob(d, key);
    if (p != NULL) {
        *p = value;
    }
    pthread_mutex_unlock(&lock);
    return p == NULL ? -1 : 0;
}

/** Sets "uuid" or "name" of a device; 0 on success. */
EXPORT int fake_nvml_set_text(int gpu, int mig, const char *key, const char *value) {
    pthread_mutex_lock(&lock);
    struct fake_device *d = device_at(gpu, mig);
    int rc = -1;
    if (d != NULL && strcmp(key, "uuid") == 0) {
        snprintf(d->uuid, sizeof d->uuid, "%s", value);
        rc = 0;
    } else if (d != NULL && strcmp(key, "name") == 0) {
        snprintf(d->name, sizeof d->name, "%s", value);
        rc = 0;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

/**
 * Global knobs: device_count, init_result, count_error, cuda_version, time_ms (-1: real time),
 * energy_read_cost_ms (what one nvmlDeviceGetTotalEnergyConsumption costs, like the ~4 ms a real H100 takes:
 * on the virtual clock the call advances it by that, reading the counter halfway; on the real clock it sleeps).
 */
EXPORT int fake_nvml_set_global(const char *key, long long value) {
    pthread_mutex_lock(&lock);
    int rc = 0;
    if (strcmp(key, "device_count") == 0) {
        device_count = (int) value;
    } else if (strcmp(key, "init_result") == 0) {
        init_result = value;
    } else if (strcmp(key, "count_error") == 0) {
        count_error = value;
    } else if (strcmp(key, "cuda_version") == 0) {
        cuda_version = value;
    } else if (strcmp(key, "time_ms") == 0) {
        virtual_time_ms = value;
    } else if (strcmp(key, "energy_read_cost_ms") == 0) {
        energy_read_cost_ms = value;
    } else {
        rc = -1;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

/** Counters for assertions: init_calls, shutdown_calls, init_depth, energy_calls, power_calls, time_ms. */
EXPORT long long fake_nvml_get_global(const char *key) {
    pthread_mutex_lock(&lock);
    long long v = strcmp(key, "init_calls") == 0 ? init_calls
            : strcmp(key, "shutdown_calls") == 0 ? shutdown_calls
            : strcmp(key, "init_depth") == 0 ? init_depth
            : strcmp(key, "energy_calls") == 0 ? energy_calls
            : strcmp(key, "time_ms") == 0 ? virtual_time_ms
            : strcmp(key, "power_calls") == 0 ? power_calls : -1;
    pthread_mutex_unlock(&lock);
    return v;
}

/* ------------------------------------------------------------------------------ NVML proper */

static nvmlReturn_t check(nvmlDevice_t d) {
    if (init_depth <= 0) {
        return NVML_ERROR_UNINITIALIZED;
    }
    int ok = 0;
    for (int g = 0; g < device_count && !ok; g++) {
        ok = d == &gpus[g];
        for (int m = 0; m < MAX_MIGS && !ok; m++) {
            ok = d == &migs[g][m] && m < gpus[g].k.mig_count && gpus[g].k.mig_mode;
        }
    }
    if (!ok) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    struct fake_device *gpu = d->parent != NULL ? d->parent : d;
    return gpu->k.lost ? NVML_ERROR_GPU_IS_LOST : NVML_SUCCESS;
}

/* Locks, validates the handle and the capability flag; the body runs only when both are fine. */
#define DEVICE_CALL(dev, supported, body)                       \
    do {                                                         \
        pthread_mutex_lock(&lock);                               \
        nvmlReturn_t rc_ = check(dev);                           \
        if (rc_ == NVML_SUCCESS && !(supported)) {               \
            rc_ = NVML_ERROR_NOT_SUPPORTED;                      \
        }                                                        \
        if (rc_ == NVML_SUCCESS) {                               \
            body                                                 \
        }                                                        \
        pthread_mutex_unlock(&lock);                             \
        return rc_;                                              \
    } while (0)

static nvmlReturn_t copy_text(const char *src, char *dst, unsigned length) {
    if (dst == NULL) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    if (strlen(src) + 1 > length) {
        return NVML_ERROR_INSUFFICIENT_SIZE;
    }
    strcpy(dst, src);
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlInit_v2(void) {
    pthread_mutex_lock(&lock);
    init_calls++;
    nvmlReturn_t rc = (nvmlReturn_t) init_result;
    if (rc == NVML_SUCCESS) {
        init_depth++;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

EXPORT nvmlReturn_t nvmlShutdown(void) {
    pthread_mutex_lock(&lock);
    shutdown_calls++;
    nvmlReturn_t rc = init_depth > 0 ? NVML_SUCCESS : NVML_ERROR_UNINITIALIZED;
    if (init_depth > 0) {
        init_depth--;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

EXPORT const char *nvmlErrorString(nvmlReturn_t result) {
    switch (result) {
    case 0: return "Success";
    case 1: return "Uninitialized";
    case 2: return "Invalid Argument";
    case 3: return "Not Supported";
    case 4: return "Insufficient Permissions";
    case 9: return "Driver Not Loaded";
    case 15: return "GPU is lost";
    default: return "Unknown Error";
    }
}

EXPORT nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned length) {
    pthread_mutex_lock(&lock);
    nvmlReturn_t rc = init_depth > 0 ? copy_text(driver_version, version, length) : NVML_ERROR_UNINITIALIZED;
    pthread_mutex_unlock(&lock);
    return rc;
}

static nvmlReturn_t cuda_driver_version(int *version) {
    if (init_depth <= 0) {
        return NVML_ERROR_UNINITIALIZED;
    }
    *version = (int) cuda_version;
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlSystemGetCudaDriverVersion(int *version) {
    return cuda_driver_version(version);
}

#ifndef FAKE_OLD_DRIVER
EXPORT nvmlReturn_t nvmlSystemGetCudaDriverVersion_v2(int *version) {
    return cuda_driver_version(version);
}
#endif

EXPORT nvmlReturn_t nvmlDeviceGetCount_v2(unsigned *count) {
    pthread_mutex_lock(&lock);
    nvmlReturn_t rc = init_depth <= 0 ? NVML_ERROR_UNINITIALIZED : (nvmlReturn_t) count_error;
    if (rc == NVML_SUCCESS) {
        *count = (unsigned) device_count;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned index, nvmlDevice_t *device) {
    pthread_mutex_lock(&lock);
    nvmlReturn_t rc = init_depth <= 0 ? NVML_ERROR_UNINITIALIZED
            : index >= (unsigned) device_count ? NVML_ERROR_INVALID_ARGUMENT : NVML_SUCCESS;
    if (rc == NVML_SUCCESS) {
        *device = &gpus[index];
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

EXPORT nvmlReturn_t nvmlDeviceGetHandleByUUID(const char *uuid, nvmlDevice_t *device) {
    pthread_mutex_lock(&lock);
    nvmlReturn_t rc = init_depth <= 0 ? NVML_ERROR_UNINITIALIZED : NVML_ERROR_NOT_FOUND;
    for (int g = 0; g < device_count && rc == NVML_ERROR_NOT_FOUND; g++) {
        if (strcmp(gpus[g].uuid, uuid) == 0) {
            *device = &gpus[g];
            rc = NVML_SUCCESS;
        }
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

EXPORT nvmlReturn_t nvmlDeviceGetIndex(nvmlDevice_t d, unsigned *index) {
    DEVICE_CALL(d, d->parent == NULL, *index = (unsigned) d->index;);
}

EXPORT nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t d, char *name, unsigned length) {
    DEVICE_CALL(d, 1, rc_ = copy_text(d->name, name, length););
}

EXPORT nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t d, char *uuid, unsigned length) {
    DEVICE_CALL(d, 1, rc_ = copy_text(d->uuid, uuid, length););
}

#ifndef FAKE_OLD_DRIVER
EXPORT nvmlReturn_t nvmlDeviceGetArchitecture(nvmlDevice_t d, unsigned *arch) {
    DEVICE_CALL(d, d->k.arch_supported, *arch = (unsigned) d->k.arch;);
}
#endif

EXPORT nvmlReturn_t nvmlDeviceGetCudaComputeCapability(nvmlDevice_t d, int *major, int *minor) {
    DEVICE_CALL(d, 1, *major = (int) d->k.cc_major; *minor = (int) d->k.cc_minor;);
}

#ifndef FAKE_OLD_DRIVER
EXPORT nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t d, unsigned long long *energy) {
    DEVICE_CALL(d, d->parent == NULL && d->k.energy_supported, {
        energy_calls++;
        spend(energy_read_cost_ms / 2.0);
        if (d->k.energy_error != 0) {
            rc_ = (nvmlReturn_t) d->k.energy_error;
        } else {
            double t = now_ms() / 1000.0;
            double mj = (double) d->k.energy_mj + (double) d->k.power_mw * t
                    + (double) d->k.power_slope_mw_per_s * t * t / 2.0;
            *energy = (unsigned long long) floor(mj + 1e-6);
        }
        spend(energy_read_cost_ms / 2.0);
    });
}
#endif

EXPORT nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t d, unsigned *power) {
    DEVICE_CALL(d, d->parent == NULL && d->k.power_supported, {
        power_calls++;
        if (d->k.power_error != 0) {
            rc_ = (nvmlReturn_t) d->k.power_error;
        } else {
            double t = now_ms() / 1000.0;
            *power = (unsigned) floor((double) d->k.power_mw + (double) d->k.power_slope_mw_per_s * t + 1e-6);
        }
    });
}

#ifndef FAKE_OLD_DRIVER
typedef struct {
    unsigned fieldId;
    unsigned scopeId;
    long long timestamp;
    long long latencyUsec;
    int valueType;
    nvmlReturn_t nvmlReturn;
    unsigned long long value; /* the nvmlValue_t union */
} nvmlFieldValue_t;

/* Field 186 (NVML_FI_DEV_POWER_INSTANT) as an unsigned int in mW; every other field: NOT_SUPPORTED. */
EXPORT nvmlReturn_t nvmlDeviceGetFieldValues(nvmlDevice_t d, int count, nvmlFieldValue_t *values) {
    DEVICE_CALL(d, d->parent == NULL, {
        for (int i = 0; i < count; i++) {
            nvmlFieldValue_t *f = &values[i];
            f->timestamp = (long long) (now_ms() * 1000.0);
            f->latencyUsec = 0;
            if (f->fieldId == 186 && d->k.instant_supported && d->k.power_supported) {
                power_calls++;
                double t = now_ms() / 1000.0;
                f->valueType = 1;
                f->value = 0xDEADBEEF00000000ULL /* garbage in the union's unused half */
                        | (unsigned) floor((double) d->k.power_mw + (double) d->k.power_slope_mw_per_s * t + 1e-6);
                f->nvmlReturn = NVML_SUCCESS;
            } else {
                f->nvmlReturn = NVML_ERROR_NOT_SUPPORTED;
            }
        }
    });
}
#endif

EXPORT nvmlReturn_t nvmlDeviceGetPowerManagementLimit(nvmlDevice_t d, unsigned *limit) {
    DEVICE_CALL(d, d->parent == NULL && d->k.limits_supported, *limit = (unsigned) d->k.power_limit_mw;);
}

EXPORT nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t d, unsigned *limit) {
    DEVICE_CALL(d, d->parent == NULL && d->k.limits_supported, *limit = (unsigned) d->k.enforced_limit_mw;);
}

EXPORT nvmlReturn_t nvmlDeviceGetPowerManagementDefaultLimit(nvmlDevice_t d, unsigned *limit) {
    DEVICE_CALL(d, d->parent == NULL && d->k.limits_supported, *limit = (unsigned) d->k.default_limit_mw;);
}

EXPORT nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t d, int sensor, unsigned *temp) {
    DEVICE_CALL(d, d->parent == NULL && d->k.temperature_supported,
                if (sensor != 0) { rc_ = NVML_ERROR_INVALID_ARGUMENT; } else { *temp = (unsigned) d->k.temperature_c; });
}

EXPORT nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t d, int type, unsigned *clock) {
    DEVICE_CALL(d, d->parent == NULL && d->k.clocks_supported, {
        if (type == 0 || type == 1) {
            *clock = (unsigned) d->k.sm_clock_mhz;
        } else if (type == 2) {
            *clock = (unsigned) d->k.mem_clock_mhz;
        } else {
            rc_ = NVML_ERROR_INVALID_ARGUMENT;
        }
    });
}

#ifndef FAKE_OLD_DRIVER
EXPORT nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t d, unsigned long long *reasons) {
    DEVICE_CALL(d, d->parent == NULL && d->k.reasons_supported, *reasons = (unsigned long long) d->k.reasons;);
}
#endif

EXPORT nvmlReturn_t nvmlDeviceGetCurrentClocksThrottleReasons(nvmlDevice_t d, unsigned long long *reasons) {
    DEVICE_CALL(d, d->parent == NULL && d->k.reasons_supported, *reasons = (unsigned long long) d->k.reasons;);
}

EXPORT nvmlReturn_t nvmlDeviceGetPerformanceState(nvmlDevice_t d, int *pstate) {
    DEVICE_CALL(d, d->parent == NULL && d->k.pstate_supported, *pstate = (int) d->k.pstate;);
}

typedef struct { unsigned gpu; unsigned memory; } nvmlUtilization_t;
typedef struct { unsigned long long total; unsigned long long free; unsigned long long used; } nvmlMemory_t;

EXPORT nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t d, nvmlUtilization_t *u) {
    /* like the real NVML: not available on MIG devices nor on a GPU with MIG enabled */
    DEVICE_CALL(d, d->parent == NULL && !d->k.mig_mode && d->k.util_supported,
                u->gpu = (unsigned) d->k.util_gpu; u->memory = (unsigned) d->k.util_mem;);
}

EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t d, nvmlMemory_t *m) {
    DEVICE_CALL(d, d->k.memory_supported, {
        m->total = (unsigned long long) d->k.mem_total;
        m->used = (unsigned long long) d->k.mem_used;
        m->free = m->total - m->used;
    });
}

EXPORT nvmlReturn_t nvmlDeviceGetPersistenceMode(nvmlDevice_t d, int *mode) {
    DEVICE_CALL(d, d->parent == NULL && d->k.persistence_supported, *mode = (int) d->k.persistence;);
}

#ifndef FAKE_OLD_DRIVER
EXPORT nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t d, unsigned *current, unsigned *pending) {
    DEVICE_CALL(d, d->parent == NULL && d->k.arch >= 7,
                *current = (unsigned) d->k.mig_mode; *pending = (unsigned) d->k.mig_pending;);
}

EXPORT nvmlReturn_t nvmlDeviceGetMaxMigDeviceCount(nvmlDevice_t d, unsigned *count) {
    DEVICE_CALL(d, d->parent == NULL, *count = d->k.arch >= 7 ? MAX_MIGS : 0;);
}

EXPORT nvmlReturn_t nvmlDeviceGetMigDeviceHandleByIndex(nvmlDevice_t d, unsigned index, nvmlDevice_t *mig) {
    DEVICE_CALL(d, d->parent == NULL && d->k.arch >= 7, {
        if (!d->k.mig_mode) {
            rc_ = NVML_ERROR_INVALID_ARGUMENT;
        } else if (index >= MAX_MIGS || (long long) index >= d->k.mig_count) {
            rc_ = NVML_ERROR_NOT_FOUND;
        } else {
            *mig = &migs[d->index][index];
        }
    });
}

EXPORT nvmlReturn_t nvmlDeviceIsMigDeviceHandle(nvmlDevice_t d, unsigned *isMig) {
    DEVICE_CALL(d, 1, *isMig = d->parent != NULL;);
}

EXPORT nvmlReturn_t nvmlDeviceGetDeviceHandleFromMigDeviceHandle(nvmlDevice_t mig, nvmlDevice_t *device) {
    DEVICE_CALL(mig, 1, if (mig->parent == NULL) { rc_ = NVML_ERROR_INVALID_ARGUMENT; } else { *device = mig->parent; });
}

EXPORT nvmlReturn_t nvmlDeviceGetGpuInstanceId(nvmlDevice_t d, unsigned *id) {
    DEVICE_CALL(d, d->parent != NULL, *id = (unsigned) d->k.gpu_instance_id;);
}

EXPORT nvmlReturn_t nvmlDeviceGetComputeInstanceId(nvmlDevice_t d, unsigned *id) {
    DEVICE_CALL(d, d->parent != NULL, *id = (unsigned) d->k.compute_instance_id;);
}
#endif
