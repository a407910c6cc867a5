// Registers every kernel as the CPU implementation of its torch.ops.actlab op. It and autograd.cpp
// include torch's slowest headers (torch/library.h, the autograd Function headers): the build
// compiles the two as one translation unit (build.BINDINGS), which parses them once.
#include <torch/library.h>

#include <string>
#include <tuple>

#include "elementwise.h"
#include "entmax_bisect.h"
#include "kernels.h"
#include "list.h"
#include "selections.h"
#include "softmax_maps.h"
#include "sorted_groups.h"
#include "sparse.h"
#include "parametric.h"
#include "parametric_list.h"
#include "split_gate.h"
#include "tables.h"

namespace actlab {

#define ACTLAB_DECLARE(name, Act, extra, ...) \
  template <class V>                          \
  struct Act;                                 \
  extern template struct Elementwise<Act __VA_OPT__(, ) __VA_ARGS__>;
ACTLAB_ELEMENTWISE(ACTLAB_DECLARE)
#undef ACTLAB_DECLARE
#define ACTLAB_DECLARE(name, Act, ...) extern template struct SplitGate<Act __VA_OPT__(, ) __VA_ARGS__>;
ACTLAB_SPLIT_GATES(ACTLAB_DECLARE)
#undef ACTLAB_DECLARE
#define ACTLAB_DECLARE(name, Act, k) \
  template <class V>                 \
  struct Act;                        \
  extern template struct ParametricOps<Act, std::make_index_sequence<k>>;
ACTLAB_PARAMETRIC(ACTLAB_DECLARE)
#undef ACTLAB_DECLARE

void raise_shape_error(const std::string& message) {
  auto handle = c10::Dispatcher::singleton().findOp({"actlab_native::shape_error", ""});
  if (handle) handle->typed<void(c10::string_view)>().call(message);  // raises in Python
  TORCH_CHECK(false, message);
}

void raise_parameter_error(const std::string& message) {
  auto handle = c10::Dispatcher::singleton().findOp({"actlab_native::parameter_error", ""});
  if (handle) handle->typed<void(c10::string_view)>().call(message);  // raises in Python
  TORCH_CHECK_VALUE(false, message);
}

template <template <class> class Act, class... P>
void add_elementwise(torch::Library& m, const std::string& name, int extra) {
  using E = Elementwise<Act, P...>;
  m.impl(name.c_str(), &E::f);
  m.impl((name + "_backward").c_str(), &E::backward);
  m.impl((name + "_double_backward").c_str(), &E::double_backward);
  m.impl((name + "_double_backward_x").c_str(), &E::double_backward_x);
  if (extra & kY) {
    m.impl((name + "_backward_y").c_str(), &E::backward_y);
    m.impl((name + "_double_backward_y").c_str(), &E::double_backward_y);
    m.impl((name + "_double_backward_x_y").c_str(), &E::double_backward_x_y);
  }
  if (extra & kInplace) m.impl((name + "_").c_str(), &E::f_);
}

// The split gates' kernels with their op name (list.h) bound: the errors name the op
#define ACTLAB_NAME(name, ...) constexpr char k_##name[] = #name;
ACTLAB_SPLIT_GATES(ACTLAB_NAME)
#undef ACTLAB_NAME

template <const char* Name, template <class> class Act, class... P>
struct NamedSplitGate {
  using G = SplitGate<Act, P...>;
  static at::Tensor forward(const at::Tensor& x, int64_t dim, P... p) { return G::forward(Name, x, dim, p...); }
  static at::Tensor backward(const at::Tensor& g, const at::Tensor& x, int64_t dim, P... p) {
    return G::backward(Name, g, x, dim, p...);
  }
  static std::tuple<at::Tensor, at::Tensor> double_backward(const at::Tensor& gg, const at::Tensor& g,
                                                            const at::Tensor& x, int64_t dim, P... p) {
    return G::double_backward(Name, gg, g, x, dim, p...);
  }
};

// A learnable activation's fn, fn_backward and fn_double_backward (its fn_triple_backward stays the
// composite autograd of the declaration's vjp2)
template <template <class> class Act, std::size_t K>
void add_parametric(torch::Library& m, const std::string& name) {
  using P = ParametricOps<Act, std::make_index_sequence<K>>;
  m.impl(name.c_str(), &P::forward);
  m.impl((name + "_backward").c_str(), &P::backward);
  m.impl((name + "_double_backward").c_str(), &P::double_backward);
}

template <const char* Name, template <class> class Act, class... P>
void add_split_gate(torch::Library& m) {
  using G = NamedSplitGate<Name, Act, P...>;
  const std::string name(Name);
  m.impl(Name, &G::forward);
  m.impl((name + "_backward").c_str(), &G::backward);
  m.impl((name + "_double_backward").c_str(), &G::double_backward);
}

void register_all(torch::Library& m) {
#define ACTLAB_ADD(name, Act, extra, ...) add_elementwise<Act __VA_OPT__(, ) __VA_ARGS__>(m, #name, extra);
  ACTLAB_ELEMENTWISE(ACTLAB_ADD)
#undef ACTLAB_ADD
#define ACTLAB_ADD(name, Act, ...) add_split_gate<k_##name, Act __VA_OPT__(, ) __VA_ARGS__>(m);
  ACTLAB_SPLIT_GATES(ACTLAB_ADD)
#undef ACTLAB_ADD
#define ACTLAB_ADD(name, Act, k) add_parametric<Act, k>(m, #name);
  ACTLAB_PARAMETRIC(ACTLAB_ADD)
#undef ACTLAB_ADD
  for (const char* n : {"softmax", "softmax2d"}) {
    m.impl(n, &softmax);
    m.impl((std::string(n) + "_backward").c_str(), &softmax_backward);
    m.impl((std::string(n) + "_double_backward").c_str(), &softmax_double_backward);
  }
  m.impl("softmin", &softmin);
  m.impl("softmin_backward", &softmin_backward);
  m.impl("softmin_double_backward", &softmin_double_backward);
  m.impl("log_softmax", &log_softmax);
  m.impl("log_softmax_backward", &log_softmax_backward);
  m.impl("log_softmax_double_backward", &log_softmax_double_backward);
  m.impl("sparsemax", &sparsemax);
  m.impl("sparsemax_backward", &sparsemax_backward);
  m.impl("sparsemax_double_backward", &sparsemax_double_backward);
  m.impl("entmax15", &entmax15);
  m.impl("entmax15_backward", &entmax15_backward);
  m.impl("entmax15_double_backward", &entmax15_double_backward);
  m.impl("entmax_bisect", &entmax_bisect);
  m.impl("entmax_bisect_backward", &entmax_bisect_backward);
  m.impl("group_sort", &group_sort);
  m.impl("group_sort_backward", &group_sort_backward);
  m.impl("max_min", &max_min);
  m.impl("max_min_backward", &max_min_backward);
  m.impl("solu", &solu);
  m.impl("solu_backward", &solu_backward);
  m.impl("radix_softmax", &radix_softmax);
  m.impl("radix_softmax_backward", &radix_softmax_backward);
  m.impl("maxout", &maxout);
  m.impl("maxout_backward", &maxout_backward);
  m.impl("lwta", &lwta);
  m.impl("lwta_backward", &lwta_backward);
  m.impl("kwta", &kwta);
  m.impl("kwta_backward", &kwta_backward);
  m.impl("crelu", &crelu);
  m.impl("crelu_backward", &crelu_backward);
  m.impl("prelu", &prelu);
  m.impl("prelu_backward", &prelu_backward);
  m.impl("prelu_double_backward", &prelu_double_backward);
  m.impl("rrelu_noise", &rrelu_noise);
  m.impl("rrelu_noise_counter", &rrelu_noise_counter);
  m.impl("rrelu_counter", &rrelu_counter);
  m.impl("rrelu_counter_backward", &rrelu_counter_backward);
}

}  // namespace actlab

TORCH_LIBRARY_IMPL(actlab, CPU, m) { actlab::register_all(m); }

TORCH_LIBRARY_FRAGMENT(actlab_native, m) {
  m.def("table_lookups() -> int", &actlab::table_lookups);
  m.def("rrelu_seed() -> int", &actlab::rrelu_seed);
}
