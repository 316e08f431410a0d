// Confusion counts on an NVIDIA GPU: the twins of kernels/cpu/confusion.py.
//
// Labels arrive as integers; the caller subtracts the smallest label
// (`offset`) so that codes are 0 .. k-1 for both columns. Totals are exact
// unsigned 64-bit integers (never float atomics): each block counts into its
// own shared-memory histogram with 32-bit counters (the caller sizes the grid
// so that no block sees 2^32 rows), then adds it once to the global int64
// histogram. Rows whose code falls outside [0, k) are counted in `bad`
// (the caller raises an error naming the first one, found on the host).
//
// binary_sums: 0/1 labels of one byte each (the most common case) need no
// histogram: per thread sums of t, p and t & p (and t | p > 1 for bad
// values), reduced per warp with shuffles; the four cells follow on the host
// as on the CPU. Sixteen bytes are loaded at a time.

namespace {

template <typename T, typename P>
__device__ void count_pairs(const T* __restrict__ t, const P* __restrict__ p, long long n,
                            long long t_offset, long long p_offset, int k, int copies,
                            unsigned long long* __restrict__ out,
                            unsigned long long* __restrict__ bad) {
    // `copies` histograms per block, one per group of warps: fewer threads collide
    // on one shared counter (labels of a few classes would otherwise serialize).
    extern __shared__ unsigned int hist[];
    const int cells = k * k;
    for (int j = threadIdx.x; j < cells * copies; j += blockDim.x) hist[j] = 0u;
    __syncthreads();
    unsigned int* mine = hist + ((threadIdx.x >> 5) % copies) * cells;
    unsigned int local_bad = 0u;
    const long long stride = (long long)blockDim.x * gridDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        const unsigned long long a = (unsigned long long)((long long)t[i] - t_offset);
        const unsigned long long b = (unsigned long long)((long long)p[i] - p_offset);
        if (a < (unsigned long long)k && b < (unsigned long long)k) {
            atomicAdd(&mine[a * k + b], 1u);
        } else {
            local_bad += 1u;
        }
    }
    if (local_bad) atomicAdd(bad, (unsigned long long)local_bad);
    __syncthreads();
    for (int j = threadIdx.x; j < cells; j += blockDim.x) {
        unsigned long long c = 0;
        for (int r = 0; r < copies; ++r) c += hist[r * cells + j];
        if (c) atomicAdd(&out[j], c);
    }
}

__device__ __forceinline__ unsigned long long warp_sum(unsigned long long v) {
    for (int s = 16; s > 0; s >>= 1) v += __shfl_down_sync(0xffffffffu, v, s);
    return v;
}

}  // namespace

#define COUNT_PAIRS(NAME, T, P)                                                              \
    extern "C" __global__ void NAME(const T* t, const P* p, long long n, long long t_offset,  \
                                    long long p_offset, int k, int copies,                   \
                                    unsigned long long* out, unsigned long long* bad) {      \
        count_pairs<T, P>(t, p, n, t_offset, p_offset, k, copies, out, bad);                 \
    }

// builtin types only: NVRTC (CuPy's compiler) has no <cstdint>
COUNT_PAIRS(confusion_counts_i8_i8, signed char, signed char)
COUNT_PAIRS(confusion_counts_u8_u8, unsigned char, unsigned char)
COUNT_PAIRS(confusion_counts_i16_i16, short, short)
COUNT_PAIRS(confusion_counts_i32_i32, int, int)
COUNT_PAIRS(confusion_counts_i64_i64, long long, long long)

// sums[0] += rows, sums[1] += t, sums[2] += p, sums[3] += t & p, sums[4] += rows with t or p > 1
extern "C" __global__ void binary_sums(const unsigned char* __restrict__ t,
                                       const unsigned char* __restrict__ p, long long n,
                                       unsigned long long* __restrict__ sums) {
    unsigned long long st = 0, sp = 0, both = 0, bad = 0;
    const long long stride = (long long)blockDim.x * gridDim.x;
    const long long tid = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    const long long n16 = n / 16;
    const uint4* t16 = reinterpret_cast<const uint4*>(t);
    const uint4* p16 = reinterpret_cast<const uint4*>(p);
    for (long long i = tid; i < n16; i += stride) {
        const uint4 a = __ldcs(t16 + i);  // streamed once: do not keep in L2
        const uint4 b = __ldcs(p16 + i);
        const unsigned int av[4] = {a.x, a.y, a.z, a.w};
        const unsigned int bv[4] = {b.x, b.y, b.z, b.w};
#pragma unroll
        for (int w = 0; w < 4; ++w) {
            // four one-byte labels per word: bytes above 1 are bad; popc counts the ones
            bad += __popc(__vcmpgtu4(av[w], 0x01010101u) | __vcmpgtu4(bv[w], 0x01010101u)) / 8;
            st += __popc(av[w] & 0x01010101u);
            sp += __popc(bv[w] & 0x01010101u);
            both += __popc(av[w] & bv[w] & 0x01010101u);
        }
    }
    for (long long i = n16 * 16 + tid; i < n; i += stride) {  // the tail
        const unsigned int a = t[i], b = p[i];
        bad += (a > 1u || b > 1u);
        st += a & 1u;
        sp += b & 1u;
        both += a & b & 1u;
    }
    // warp sums, then one atomic per block and sum (not per warp)
    __shared__ unsigned long long partial[4][32];
    st = warp_sum(st);
    sp = warp_sum(sp);
    both = warp_sum(both);
    bad = warp_sum(bad);
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    if (lane == 0) {
        partial[0][warp] = st;
        partial[1][warp] = sp;
        partial[2][warp] = both;
        partial[3][warp] = bad;
    }
    __syncthreads();
    if (warp == 0) {
        const int warps = (blockDim.x + 31) >> 5;
        for (int j = 0; j < 4; ++j) {
            unsigned long long v = lane < warps ? partial[j][lane] : 0ull;
            v = warp_sum(v);
            if (lane == 0 && v) atomicAdd(&sums[1 + j], v);
        }
    }
}
