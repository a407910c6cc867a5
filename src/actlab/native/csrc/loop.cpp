// The elementwise driver (see loop.h): dtype dispatch, the flat path for dense tensors of one
// layout, TensorIterator for the rest, buffers for strided runs and for bfloat16/half.
#include "loop.h"

#include <ATen/EmptyTensor.h>
#include <ATen/Parallel.h>
#include <ATen/TensorIterator.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/empty_like.h>
#include <ATen/ops/ones_like.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace actlab {
namespace {

constexpr int kMaxTensors = 5;   // per side (inputs, outputs)
constexpr int64_t kChunk = 1024;  // elements per buffer (4 KB of float: the live buffers stay in L1)

// Storage type T <-> compute type C (float for bfloat16/half) over a run with a byte stride.
template <class T, class C>
void load(const char* p, int64_t stride, int64_t n, C* buf) {
  if (stride == static_cast<int64_t>(sizeof(T))) {
    if constexpr (std::is_same_v<T, C>) {
      std::memcpy(buf, p, n * sizeof(C));
    } else {
      at::vec::convert(reinterpret_cast<const T*>(p), buf, n);
    }
    return;
  }
  for (int64_t i = 0; i < n; ++i) buf[i] = static_cast<C>(*reinterpret_cast<const T*>(p + i * stride));
}

template <class T, class C>
void store(char* p, int64_t stride, int64_t n, const C* buf) {
  if (stride == static_cast<int64_t>(sizeof(T))) {
    if constexpr (std::is_same_v<T, C>) {
      std::memcpy(p, buf, n * sizeof(C));
    } else {
      at::vec::convert(buf, reinterpret_cast<T*>(p), n);  // rounds once, to nearest even
    }
    return;
  }
  for (int64_t i = 0; i < n; ++i) *reinterpret_cast<T*>(p + i * stride) = static_cast<T>(buf[i]);
}

// One run of n elements: data[0, nout) are the outputs, data[nout, nout + nin) the inputs.
// Operands of the compute type with unit stride are used in place; broadcast inputs (stride 0)
// are filled into a buffer once; the rest are gathered/scattered through buffers, kChunk at a time.
// half: the kernel on T storage (T a 16-bit type) for unit-stride runs, or nullptr.
template <class T, class C>
void run_1d(char** data, const int64_t* strides, int64_t n, int nout, int nin, Block<C> f, const Block<T>* half) {
  constexpr bool same = std::is_same_v<T, C>;
  constexpr int64_t unit = sizeof(T);
  bool dense = true;
  for (int k = 0; k < nout + nin; ++k) dense = dense && strides[k] == unit;
  if (dense && (same || half != nullptr)) {  // the kernel on the storage itself
    const T* ipt[kMaxTensors];
    T* opt[kMaxTensors];
    for (int k = 0; k < nout; ++k) opt[k] = reinterpret_cast<T*>(data[k]);
    for (int k = 0; k < nin; ++k) ipt[k] = reinterpret_cast<const T*>(data[nout + k]);
    if constexpr (same) {
      f(ipt, opt, n);
    } else {
      (*half)(ipt, opt, n);
    }
    return;
  }
  const C* ip[kMaxTensors];
  C* op[kMaxTensors];
  alignas(64) C buf[2 * kMaxTensors][kChunk];
  auto in_place = [&](int j) { return same && strides[j] == unit; };
  for (int k = 0; k < nin; ++k) {  // broadcast inputs: one value, filled once
    const int j = nout + k;
    if (strides[j] == 0 && !in_place(j)) {
      const C v = static_cast<C>(*reinterpret_cast<const T*>(data[j]));
      std::fill(buf[kMaxTensors + k], buf[kMaxTensors + k] + std::min(n, kChunk), v);
    }
  }
  for (int64_t i = 0; i < n; i += kChunk) {
    const int64_t m = std::min(kChunk, n - i);
    for (int k = 0; k < nin; ++k) {
      const int j = nout + k;
      if (in_place(j)) {
        ip[k] = reinterpret_cast<const C*>(data[j] + i * unit);
      } else {
        ip[k] = buf[kMaxTensors + k];
        if (strides[j] != 0) load<T, C>(data[j] + i * strides[j], strides[j], m, buf[kMaxTensors + k]);
      }
    }
    for (int k = 0; k < nout; ++k) op[k] = in_place(k) ? reinterpret_cast<C*>(data[k] + i * unit) : buf[k];
    f(ip, op, m);
    for (int k = 0; k < nout; ++k) {
      if (!in_place(k)) store<T, C>(data[k] + i * strides[k], strides[k], m, buf[k]);
    }
  }
}

bool one_dense_layout(at::TensorList outs, at::TensorList ins) {
  const at::Tensor& ref = outs[0];
  if (!ref.is_non_overlapping_and_dense()) return false;
  auto same = [&](const at::Tensor& t) { return t.sizes() == ref.sizes() && t.strides() == ref.strides(); };
  return std::all_of(outs.begin(), outs.end(), same) && std::all_of(ins.begin(), ins.end(), same);
}

template <class T, class C>
void dispatch(at::TensorList outs, at::TensorList ins, Block<C> f, int64_t grain, const Block<T>* half) {
  const int nout = static_cast<int>(outs.size()), nin = static_cast<int>(ins.size());
  if (one_dense_layout(outs, ins)) {  // flat: the storage order is the iteration order
    char* base[2 * kMaxTensors];
    for (int k = 0; k < nout; ++k) base[k] = static_cast<char*>(outs[k].data_ptr());
    for (int k = 0; k < nin; ++k) base[nout + k] = static_cast<char*>(const_cast<void*>(ins[k].const_data_ptr()));
    int64_t strides[2 * kMaxTensors];
    std::fill(strides, strides + nout + nin, static_cast<int64_t>(sizeof(T)));
    at::parallel_for(0, outs[0].numel(), grain, [&](int64_t b, int64_t e) {
      char* data[2 * kMaxTensors];
      for (int k = 0; k < nout + nin; ++k) data[k] = base[k] + b * static_cast<int64_t>(sizeof(T));
      run_1d<T, C>(data, strides, e - b, nout, nin, f, half);
    });
    return;
  }
  at::TensorIteratorConfig config;
  config.set_check_mem_overlap(true).check_all_same_dtype(true).resize_outputs(false);
  for (const auto& t : outs) config.add_output(t);
  for (const auto& t : ins) config.add_const_input(t);
  at::TensorIterator iter = config.build();
  const int nt = iter.ntensors();
  iter.for_each(
      [&](char** data, const int64_t* strides, int64_t size0, int64_t size1) {
        char* ptrs[2 * kMaxTensors];
        std::copy(data, data + nt, ptrs);
        for (int64_t j = 0; j < size1; ++j) {
          run_1d<T, C>(ptrs, strides, size0, nout, nin, f, half);
          for (int k = 0; k < nt; ++k) ptrs[k] += strides[nt + k];
        }
      },
      grain);
}

}  // namespace

void run(at::TensorList outs, at::TensorList ins, Block<float> f32, Block<double> f64, int64_t grain,
         const HalfBlocks* half) {
  TORCH_CHECK(outs.size() <= kMaxTensors && ins.size() <= kMaxTensors, "actlab: too many tensors");
  const at::ScalarType st = outs[0].scalar_type();
  std::vector<at::Tensor> conv;
  for (const auto& t : ins) {
    if (t.scalar_type() != st) {
      TORCH_CHECK(at::isFloatingType(t.scalar_type()), "actlab: expected a floating-point tensor, got ", t.scalar_type());
      conv.push_back(t.to(st));
    }
  }
  if (!conv.empty()) {
    std::vector<at::Tensor> same;
    size_t j = 0;
    for (const auto& t : ins) same.push_back(t.scalar_type() == st ? t : conv[j++]);
    run(outs, same, f32, f64, grain, half);
    return;
  }
  if (outs[0].numel() == 0) return;
  switch (st) {
    case at::kFloat:
      return dispatch<float, float>(outs, ins, f32, grain, nullptr);
    case at::kDouble:
      return dispatch<double, double>(outs, ins, f64, grain, nullptr);
    case at::kBFloat16:
      return dispatch<c10::BFloat16, float>(outs, ins, f32, grain, half ? &half->bf16 : nullptr);
    case at::kHalf:
      return dispatch<c10::Half, float>(outs, ins, f32, grain, half ? &half->f16 : nullptr);
    default:
      TORCH_CHECK(false, "actlab: expected a floating-point tensor (float16/bfloat16/float32/float64), got ", st);
  }
}

bool half_dense(std::initializer_list<const at::Tensor*> ts, int64_t min_numel) {
  const at::Tensor& t0 = **ts.begin();
  const at::ScalarType st = t0.scalar_type();
  if ((st != at::kBFloat16 && st != at::kHalf) || t0.numel() < min_numel) return false;
  for (const at::Tensor* t : ts) {
    if (t->scalar_type() != st || !t->is_contiguous() || t->sizes() != t0.sizes()) return false;
  }
  return true;
}

at::Tensor ones_like(const at::Tensor& x) { return at::ones_like(x); }

// at::empty_like(x, dtype) of a dense CPU tensor without the dispatcher (two calls deep: about
// 1 us of a small op's time): x's own strides, as empty_like's preserve_format gives them
at::Tensor empty_like(const at::Tensor& x, at::ScalarType dtype) {
  if (x.is_cpu() && x.layout() == at::kStrided && x.is_non_overlapping_and_dense()) {
    if (x.is_contiguous()) return at::Tensor(at::detail::empty_cpu(x.sizes(), dtype));
    return at::Tensor(at::detail::empty_strided_cpu(x.sizes(), x.strides(), dtype));
  }
  return at::empty_like(x, x.options().dtype(dtype));
}

at::Tensor empty_like(const at::Tensor& x) { return empty_like(x, x.scalar_type()); }

}  // namespace actlab
