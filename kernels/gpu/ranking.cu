// Sort keys of binary scores on an NVIDIA GPU: twins of kernels/cpu/ranking.py's keys.
//
// One 64-bit key per row orders rows by DESCENDING score when sorted ascending,
// with the row's class in the lowest bit: ((~u) << 1) | positive, u being the
// float's bits mapped to an unsigned order (negative floats flipped, positive ones
// with the sign bit set). -0.0 and 0.0 are one score (x + 0.0f turns -0.0 into
// 0.0), as for scikit-learn. NaN scores are counted in `nan_count`: the caller
// raises before sorting anything.

extern "C" __global__ void descending_keys_f32(const float* __restrict__ scores,
                                               const unsigned char* __restrict__ positive,
                                               long long n, unsigned long long* __restrict__ keys,
                                               unsigned long long* __restrict__ nan_count) {
    unsigned int nans = 0u;
    const long long stride = (long long)blockDim.x * gridDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        const float x = scores[i] + 0.0f;
        nans += (x != x);
        const unsigned int b = __float_as_uint(x);
        const unsigned int u = (b & 0x80000000u) ? ~b : (b | 0x80000000u);
        keys[i] = ((unsigned long long)(~u) << 1) | (unsigned long long)(positive[i] != 0);
    }
    if (nans) atomicAdd(nan_count, (unsigned long long)nans);
}

// float64 scores: the 64-bit descending key alone (the class travels beside it).
extern "C" __global__ void descending_keys_f64(const double* __restrict__ scores, long long n,
                                               unsigned long long* __restrict__ keys,
                                               unsigned long long* __restrict__ nan_count) {
    unsigned int nans = 0u;
    const long long stride = (long long)blockDim.x * gridDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        const double x = scores[i] + 0.0;
        nans += (x != x);
        const unsigned long long b = (unsigned long long)__double_as_longlong(x);
        const unsigned long long u = (b & 0x8000000000000000ull) ? ~b
                                                                  : (b | 0x8000000000000000ull);
        keys[i] = ~u;
    }
    if (nans) atomicAdd(nan_count, (unsigned long long)nans);
}
