/*
 * A fake CUDA driver for Kiln's tests: the subset of the driver API that io.kiln.cuda binds,
 * implemented on host memory. It lets the FFM layer run without a GPU: device discovery, module
 * loading with a JIT error log, memory and copies, streams, events and launches. A launch runs no
 * code; it records its grid, block and parameter bytes (sized from the module's .entry parameter
 * list, as the real driver does) for the test to inspect. An entry whose name ends in fakeAddOne
 * adds 1 to each int of its first parameter (a pointer followed by its length), so copies can be
 * checked both ways.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;

int fake_device_count = 1;
int fake_cc_major = 7;
int fake_cc_minor = 5;
int fake_launches = 0;
unsigned fake_grid[3];
unsigned fake_block[3];
unsigned fake_shared;
int fake_param_count = 0;
int fake_param_sizes[64];
unsigned char fake_params[64 * 8];
int fake_live_allocations = 0;
void *fake_current_context = 0;

typedef struct {
    char *ptx;
    int count;
    int sizes[64];
} module_t;

CUresult cuGetErrorName(CUresult e, const char **s) {
    *s = e == 218 ? "CUDA_ERROR_INVALID_PTX" : e == 500 ? "CUDA_ERROR_NOT_FOUND" : e == 100 ? "CUDA_ERROR_NO_DEVICE" : "CUDA_ERROR_UNKNOWN";
    return 0;
}

CUresult cuGetErrorString(CUresult e, const char **s) {
    *s = e == 218 ? "a PTX JIT compilation failed" : e == 500 ? "named symbol not found" : "unknown error";
    return 0;
}

CUresult cuInit(unsigned flags) { return fake_device_count == 0 ? 100 : 0; }
CUresult cuDriverGetVersion(int *v) { *v = 12040; return 0; }
CUresult cuDeviceGetCount(int *n) { *n = fake_device_count; return 0; }
CUresult cuDeviceGet(int *d, int ordinal) { *d = ordinal; return ordinal < fake_device_count ? 0 : 101; }

CUresult cuDeviceGetName(char *name, int len, int dev) {
    snprintf(name, len, "Fake GPU %d", dev);
    return 0;
}

CUresult cuDeviceGetAttribute(int *pi, int attr, int dev) {
    switch (attr) {
        case 1: *pi = 1024; break;
        case 2: case 3: *pi = 1024; break;
        case 4: *pi = 64; break;
        case 5: *pi = 2147483647; break;
        case 6: case 7: *pi = 65535; break;
        case 16: *pi = 4; break;
        case 75: *pi = fake_cc_major; break;
        case 76: *pi = fake_cc_minor; break;
        default: *pi = 0;
    }
    return 0;
}

CUresult cuDeviceTotalMem_v2(size_t *bytes, int dev) { *bytes = (size_t) 1 << 30; return 0; }
CUresult cuDevicePrimaryCtxRetain(void **ctx, int dev) { *ctx = (void *) (uintptr_t) (0x1000 + dev); return 0; }
CUresult cuDevicePrimaryCtxRelease_v2(int dev) { return 0; }
CUresult cuCtxSetCurrent(void *ctx) { fake_current_context = ctx; return 0; }

static int param_size(const char *type) {
    return strncmp(type, ".u64", 4) == 0 || strncmp(type, ".s64", 4) == 0 || strncmp(type, ".f64", 4) == 0 ? 8 : 4;
}

CUresult cuModuleLoadDataEx(void **module, const void *image, unsigned n, int *options, void **values) {
    const char *ptx = image;
    if (strstr(ptx, "INVALID")) {
        for (unsigned i = 0; i < n; i++) {
            if (options[i] == 5) {
                size_t size = 0;
                for (unsigned j = 0; j < n; j++) if (options[j] == 6) size = (size_t) (uintptr_t) values[j];
                snprintf((char *) values[i], size, "ptxas fatal   : fake error in the kernel named INVALID");
            }
        }
        return 218;
    }
    module_t *m = calloc(1, sizeof(module_t));
    m->ptx = strdup(ptx);
    const char *p = strstr(ptx, ".entry");
    const char *end = p ? strchr(p, ')') : 0;
    while (p && (p = strstr(p, ".param ")) && p < end && m->count < 64) {
        m->sizes[m->count++] = param_size(p + 7);
        p += 7;
    }
    *module = m;
    return 0;
}

CUresult cuModuleUnload(void *module) {
    module_t *m = module;
    free(m->ptx);
    free(m);
    return 0;
}

CUresult cuModuleGetFunction(void **f, void *module, const char *name) {
    module_t *m = module;
    char want[512];
    snprintf(want, sizeof want, ".entry %s(", name);
    if (!strstr(m->ptx, want)) return 500;
    *f = m;
    return 0;
}

CUresult cuMemAlloc_v2(uint64_t *p, size_t n) { *p = (uint64_t) (uintptr_t) malloc(n); fake_live_allocations++; return 0; }
CUresult cuMemFree_v2(uint64_t p) { free((void *) (uintptr_t) p); fake_live_allocations--; return 0; }
CUresult cuMemHostAlloc(void **p, size_t n, unsigned flags) { *p = malloc(n); fake_live_allocations++; return 0; }
CUresult cuMemFreeHost(void *p) { free(p); fake_live_allocations--; return 0; }
CUresult cuMemcpyHtoDAsync_v2(uint64_t dst, const void *src, size_t n, void *s) { memcpy((void *) (uintptr_t) dst, src, n); return 0; }
CUresult cuMemcpyDtoHAsync_v2(void *dst, uint64_t src, size_t n, void *s) { memcpy(dst, (void *) (uintptr_t) src, n); return 0; }
CUresult cuStreamCreate(void **s, unsigned flags) { *s = malloc(1); return 0; }
CUresult cuStreamSynchronize(void *s) { return 0; }
CUresult cuStreamDestroy_v2(void *s) { free(s); return 0; }
CUresult cuEventCreate(void **e, unsigned flags) { *e = malloc(1); return 0; }
CUresult cuEventRecord(void *e, void *s) { return 0; }
CUresult cuEventSynchronize(void *e) { return 0; }
CUresult cuEventElapsedTime_v2(float *ms, void *a, void *b) { *ms = 0.5f; return 0; }
CUresult cuEventDestroy_v2(void *e) { free(e); return 0; }
CUresult cuEventQuery(void *e) { return 0; }
CUresult cuStreamWaitEvent(void *s, void *e, unsigned flags) { return 0; }

CUresult cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned shared, void *stream, void **params, void **extra) {
    module_t *m = f;
    fake_grid[0] = gx; fake_grid[1] = gy; fake_grid[2] = gz;
    fake_block[0] = bx; fake_block[1] = by; fake_block[2] = bz;
    fake_shared = shared;
    fake_param_count = m->count;
    for (int i = 0; i < m->count; i++) {
        fake_param_sizes[i] = m->sizes[i];
        memset(fake_params + 8 * i, 0, 8);
        memcpy(fake_params + 8 * i, params[i], m->sizes[i]);
    }
    if (strstr(m->ptx, "fakeAddOne(")) {
        int *data = (int *) (uintptr_t) *(uint64_t *) params[0];
        int n = *(int *) params[1];
        for (int i = 0; i < n; i++) data[i] += 1;
    }
    fake_launches++;
    return 0;
}
