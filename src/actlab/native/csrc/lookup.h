// Piecewise polynomials on 16 intervals whose coefficients each lane takes from a register-resident table: on AVX-512
// one vpermps (the 16 entries: one zmm) per coefficient; on AVX2 two vpermps and a blend; elsewhere a scalar loop. A
// kernel computes its lane's interval j (as an integral float) and the local variable u, then
// horner_lookup(u, TableIndex(j), table) = sum_k table[k][j mod 16] u^k by Horner's rule with FMAs: the same
// roundings, so the same bits, on every ISA. Lanes whose j is out of the table's range (or NaN) get some interval's
// coefficients: the caller overrides them. The tables are coefficient-major, table[k][j] (python -m
// actlab.native.fits: PIECEWISE). (32 entries, vpermt2ps, were as fast on AVX-512 and cost AVX2 seven operations a
// coefficient: docs/native.md.)
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "vec.h"

namespace actlab {

inline constexpr int kTableEntries = 16;

// The interval of each lane from integral floats (any value: j mod 16 is looked up; NaN or |j| >= 2^31: some entry)
struct TableIndex {
#if defined(CPU_CAPABILITY_AVX512)
  __m512i i;
  ACTLAB_INLINE explicit TableIndex(const Vectorized<float>& j) : i(_mm512_cvttps_epi32(j)) {}
  ACTLAB_INLINE Vectorized<float> operator()(const float (&t)[kTableEntries]) const {
    return Vectorized<float>(_mm512_permutexvar_ps(i, _mm512_loadu_ps(t)));
  }
#elif defined(CPU_CAPABILITY_AVX2)
  __m256i i;
  __m256 bit3;  // the sign bit set where j mod 16 >= 8
  ACTLAB_INLINE explicit TableIndex(const Vectorized<float>& j)
      : i(_mm256_cvttps_epi32(j)), bit3(_mm256_castsi256_ps(_mm256_slli_epi32(i, 28))) {}
  ACTLAB_INLINE Vectorized<float> operator()(const float (&t)[kTableEntries]) const {
    return Vectorized<float>(_mm256_blendv_ps(_mm256_permutevar8x32_ps(_mm256_loadu_ps(t), i),
                                              _mm256_permutevar8x32_ps(_mm256_loadu_ps(t + 8), i), bit3));
  }
#else
  int i[Vectorized<float>::size()];
  ACTLAB_INLINE explicit TableIndex(const Vectorized<float>& j) {
    float v[Vectorized<float>::size()];
    j.store(v);
    for (int k = 0; k < Vectorized<float>::size(); ++k) {
      const bool ok = std::abs(v[k]) < 2147483520.0f;  // NaN or |j| >= 2^31: entry 0
      i[k] = ok ? static_cast<int>(static_cast<std::int64_t>(v[k]) & (kTableEntries - 1)) : 0;
    }
  }
  ACTLAB_INLINE Vectorized<float> operator()(const float (&t)[kTableEntries]) const {
    float v[Vectorized<float>::size()];
    for (int k = 0; k < Vectorized<float>::size(); ++k) v[k] = t[i[k]];
    return Vectorized<float>::loadu(v);
  }
#endif
};

// sum_k t[k][j] u^k (Horner, FMAs) with each lane's j
template <std::size_t K>
ACTLAB_INLINE Vectorized<float> horner_lookup(const Vectorized<float>& u, const TableIndex& j,
                                              const float (&t)[K][kTableEntries]) {
  Vectorized<float> acc = j(t[K - 1]);
  for (int k = static_cast<int>(K) - 2; k >= 0; --k) acc = fma(acc, u, j(t[k]));
  return acc;
}

}  // namespace actlab
