// The logarithmic family (activations/logarithmic.py): Symlog, Symexp. log1p and expm1 of |x| are
// Sleef's (torch's) in float32 and float64 (1 ulp; the float64 declarations' own).
#include "act.h"
#include "elementwise_impl.h"

namespace actlab {

// sign(x) log(1 + |x|);  f' = 1 / (1 + |x|);  f'' = -sign(x) / (1 + |x|)^2
template <class V>
struct Symlog : Act<V> {
  ACTLAB_INLINE V f(V x) const { return copysign(x.abs().log1p(), x); }
  ACTLAB_INLINE V df(V x) const { return V(1) / (V(1) + x.abs()); }
  ACTLAB_INLINE V d2f(V x) const {
    const V d = V(1) + x.abs();
    return sign(x).neg() / (d * d);
  }
};

// sign(x) (e^|x| - 1);  f' = e^|x|;  f'' = sign(x) e^|x|
template <class V>
struct Symexp : Act<V> {
  ACTLAB_INLINE V f(V x) const { return copysign(x.abs().expm1(), x); }
  ACTLAB_INLINE V df(V x) const { return vexp(x.abs()); }
  ACTLAB_INLINE V d2f(V x) const { return sign(x) * vexp(x.abs()); }
};

template struct Elementwise<Symlog>;
template struct Elementwise<Symexp>;

}  // namespace actlab
