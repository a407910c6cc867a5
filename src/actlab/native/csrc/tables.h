// bfloat16/half elementwise ops by table. A 16-bit input has 65536 possible values, so f(x) and
// f'(x) computed once by the float32 kernel for every bit pattern give, by lookup, exactly what
// the kernel computes (same float32 values, rounded once on the way out by the same conversion):
// f(x) = table_f[bits(x)], g f'(x) = g * table_df[bits(x)] (one float32 product, as the kernel).
// For the transcendental activations a lookup costs a fraction of the math (Sigmoid's backward
// recomputes e^-|x|, since it saves x), and the tables are built once per activation, parameter
// values and dtype (a few per op are kept: 512 KB each pair).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace actlab {

// Tensors smaller than this compute: a table costs as much as a 65536-element tensor to build.
constexpr int64_t kTableMin = 16384;

struct Tables {
  at::Tensor f, df;  // float32, 65536 entries each, indexed by the 16-bit pattern
};

// The float32 values of the 65536 bit patterns of a bfloat16/half dtype, in pattern order.
at::Tensor all_half_values(at::ScalarType st);

// out = round(table[bits(x)]) and out = round(g * table[bits(x)]), x (and g) of out's 16-bit
// dtype; all contiguous, one shape.
void lookup(const at::Tensor& out, const at::Tensor& x, const at::Tensor& table);
void lookup_times(const at::Tensor& out, const at::Tensor& g, const at::Tensor& x, const at::Tensor& table);

// Ops answered by lookup so far in the process (torch.ops.actlab_native.table_lookups(): tests
// see that the tables ran)
int64_t table_lookups();

// Whether these tensors take the tables: one bfloat16/half dtype, contiguous, one shape, large.
bool tabulable(std::initializer_list<const at::Tensor*> ts);

// The tables of an activation for its parameter values p and dtype st: built on first use by
// f(values) and backward(ones, values), which compute f and 1 * f' = f' exactly.
// The bytes of a parameter value in a cache key (doubles by bit pattern: -0.0 is not 0.0)
template <class T>
void append_key(std::string& key, const T& v) {
  if constexpr (std::is_arithmetic_v<T>) {
    const auto d = static_cast<std::conditional_t<std::is_floating_point_v<T>, double, int64_t>>(v);
    key.append(reinterpret_cast<const char*>(&d), sizeof(d));
  } else {  // a string parameter (GELU's approximate)
    const auto n = static_cast<int64_t>(v.size());
    key.append(reinterpret_cast<const char*>(&n), sizeof(n));
    key.append(v.data(), v.size());
  }
}

template <class F, class DF, class... P>
Tables tables_for(at::ScalarType st, F f, DF df, P... p) {
  std::string key(1, static_cast<char>(st));
  (append_key(key, p), ...);
  static std::mutex mutex;
  static std::vector<std::pair<std::string, Tables>> cache;  // oldest first
  constexpr size_t kKept = 4;
  std::lock_guard<std::mutex> lock(mutex);
  for (const auto& [k, t] : cache) {
    if (k == key) return t;
  }
  const at::Tensor xs = all_half_values(st);
  Tables t{f(xs, p...), df(xs, p...)};
  if (cache.size() >= kKept) cache.erase(cache.begin());
  cache.emplace_back(std::move(key), t);
  return t;
}

}  // namespace actlab
