// Per-class histograms of scores over sorted thresholds on an NVIDIA GPU: the twin of
// kernels/cpu/binning.py (the binned curves' state).
//
// A score s falls in bin searchsorted(thresholds, s, "right"): the number of
// thresholds <= s, compared in double precision as on the CPU. Each block keeps the
// thresholds and a (classes x bins) histogram of 32-bit counters in shared memory
// (the caller sizes the grid so that no block counts 2^32 rows) and adds it once to
// the exact uint64 totals. NaN scores, and with `unit` scores outside [0, 1] (a
// threshold count means linspace(0, 1, count)), are counted in bad[0] and bad[1].

template <typename S>
__device__ void bin_scores(const S* __restrict__ scores, const int* __restrict__ codes,
                           long long n, const double* __restrict__ thresholds, int t, int k,
                           int unit, unsigned long long* __restrict__ out,
                           unsigned long long* __restrict__ bad) {
    extern __shared__ double shared[];
    double* grid = shared;
    unsigned int* hist = reinterpret_cast<unsigned int*>(shared + t);
    const int bins = t + 1;
    for (int j = threadIdx.x; j < t; j += blockDim.x) grid[j] = thresholds[j];
    for (int j = threadIdx.x; j < k * bins; j += blockDim.x) hist[j] = 0u;
    __syncthreads();
    unsigned int nans = 0u, outside = 0u;
    const long long stride = (long long)blockDim.x * gridDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        const double s = (double)scores[i];
        if (s != s) { nans += 1u; continue; }
        if (unit && (s < 0.0 || s > 1.0)) { outside += 1u; continue; }
        int lo = 0, hi = t;
        while (lo < hi) {
            const int mid = (lo + hi) >> 1;
            if (grid[mid] <= s) lo = mid + 1; else hi = mid;
        }
        atomicAdd(&hist[codes[i] * bins + lo], 1u);
    }
    if (nans) atomicAdd(&bad[0], (unsigned long long)nans);
    if (outside) atomicAdd(&bad[1], (unsigned long long)outside);
    __syncthreads();
    for (int j = threadIdx.x; j < k * bins; j += blockDim.x) {
        const unsigned int c = hist[j];
        if (c) atomicAdd(&out[j], (unsigned long long)c);
    }
}

extern "C" __global__ void binned_counts_f32(const float* scores, const int* codes, long long n,
                                             const double* thresholds, int t, int k, int unit,
                                             unsigned long long* out, unsigned long long* bad) {
    bin_scores<float>(scores, codes, n, thresholds, t, k, unit, out, bad);
}

extern "C" __global__ void binned_counts_f64(const double* scores, const int* codes, long long n,
                                             const double* thresholds, int t, int k, int unit,
                                             unsigned long long* out, unsigned long long* bad) {
    bin_scores<double>(scores, codes, n, thresholds, t, k, unit, out, bad);
}
