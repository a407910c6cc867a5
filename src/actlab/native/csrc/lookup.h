// Piecewise polynomials on 16 or 32 intervals whose coefficients each lane takes from a register-resident table: on
// AVX-512 one vpermps (16 entries: one zmm) or vpermt2ps (32: two) per coefficient; on AVX2 two vpermps and a blend
// (16) or four and three blends (32); elsewhere a scalar loop. A kernel computes its lane's interval j (as an integral
// float) and the local variable u, then horner_lookup(u, TableIndex<N>(j), table) = sum_k table[k][j mod N] u^k by
// Horner's rule with FMAs: the same roundings, so the same bits, on every ISA. Lanes whose j is out of the table's
// range (or NaN) get some interval's coefficients: the caller overrides them. The tables are coefficient-major,
// table[k][j] (python -m actlab.native.fits: PIECEWISE).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "vec.h"

namespace actlab {

// The interval of each lane from integral floats (any value: j mod N is looked up; NaN or |j| >= 2^31: some entry)
template <int N>
struct TableIndex {
  static_assert(N == 16 || N == 32, "16 or 32 entries");
#if defined(CPU_CAPABILITY_AVX512)
  __m512i i;
  ACTLAB_INLINE explicit TableIndex(const Vectorized<float>& j) : i(_mm512_cvttps_epi32(j)) {}
  ACTLAB_INLINE Vectorized<float> operator()(const float (&t)[N]) const {
    if constexpr (N == 16) {
      return Vectorized<float>(_mm512_permutexvar_ps(i, _mm512_loadu_ps(t)));
    } else {
      return Vectorized<float>(_mm512_permutex2var_ps(_mm512_loadu_ps(t), i, _mm512_loadu_ps(t + 16)));
    }
  }
#elif defined(CPU_CAPABILITY_AVX2)
  __m256i i;
  __m256 bit3, bit4;  // the sign bit set where j mod 16 >= 8, where j mod 32 >= 16
  ACTLAB_INLINE explicit TableIndex(const Vectorized<float>& j)
      : i(_mm256_cvttps_epi32(j)), bit3(_mm256_castsi256_ps(_mm256_slli_epi32(i, 28))),
        bit4(_mm256_castsi256_ps(_mm256_slli_epi32(i, 27))) {}
  ACTLAB_INLINE __m256 half(const float* t) const {
    return _mm256_blendv_ps(_mm256_permutevar8x32_ps(_mm256_loadu_ps(t), i),
                            _mm256_permutevar8x32_ps(_mm256_loadu_ps(t + 8), i), bit3);
  }
  ACTLAB_INLINE Vectorized<float> operator()(const float (&t)[N]) const {
    if constexpr (N == 16) {
      return Vectorized<float>(half(t));
    } else {
      return Vectorized<float>(_mm256_blendv_ps(half(t), half(t + 16), bit4));
    }
  }
#else
  int i[Vectorized<float>::size()];
  ACTLAB_INLINE explicit TableIndex(const Vectorized<float>& j) {
    float v[Vectorized<float>::size()];
    j.store(v);
    for (int k = 0; k < Vectorized<float>::size(); ++k) {
      i[k] = std::abs(v[k]) < 2147483520.0f ? static_cast<int>(static_cast<std::int64_t>(v[k]) & (N - 1)) : 0;
    }
  }
  ACTLAB_INLINE Vectorized<float> operator()(const float (&t)[N]) const {
    float v[Vectorized<float>::size()];
    for (int k = 0; k < Vectorized<float>::size(); ++k) v[k] = t[i[k]];
    return Vectorized<float>::loadu(v);
  }
#endif
};

// sum_k t[k][j] u^k (Horner, FMAs) with each lane's j
template <int N, std::size_t K>
ACTLAB_INLINE Vectorized<float> horner_lookup(const Vectorized<float>& u, const TableIndex<N>& j,
                                              const float (&t)[K][N]) {
  Vectorized<float> acc = j(t[K - 1]);
  for (int k = static_cast<int>(K) - 2; k >= 0; --k) acc = fma(acc, u, j(t[k]));
  return acc;
}

}  // namespace actlab
