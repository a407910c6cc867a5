// Registers every kernel as the CPU implementation of its torch.ops.actlab op (the only unit that
// includes torch/library.h, the slowest header to compile).
#include <torch/library.h>

#include <string>

#include "elementwise.h"
#include "kernels.h"
#include "list.h"

namespace actlab {

#define ACTLAB_DECLARE(name, Act, extra, ...) \
  template <class V>                          \
  struct Act;                                 \
  extern template struct Elementwise<Act __VA_OPT__(, ) __VA_ARGS__>;
ACTLAB_ELEMENTWISE(ACTLAB_DECLARE)
#undef ACTLAB_DECLARE

template <template <class> class Act, class... P>
void add_elementwise(torch::Library& m, const std::string& name, int extra) {
  using E = Elementwise<Act, P...>;
  m.impl(name.c_str(), &E::f);
  m.impl((name + "_backward").c_str(), &E::backward);
  m.impl((name + "_double_backward").c_str(), &E::double_backward);
  if (extra & kY) {
    m.impl((name + "_backward_y").c_str(), &E::backward_y);
    m.impl((name + "_double_backward_y").c_str(), &E::double_backward_y);
  }
  if (extra & kInplace) m.impl((name + "_").c_str(), &E::f_);
}

void register_all(torch::Library& m) {
#define ACTLAB_ADD(name, Act, extra, ...) add_elementwise<Act __VA_OPT__(, ) __VA_ARGS__>(m, #name, extra);
  ACTLAB_ELEMENTWISE(ACTLAB_ADD)
#undef ACTLAB_ADD
}

}  // namespace actlab

TORCH_LIBRARY_IMPL(actlab, CPU, m) { actlab::register_all(m); }
