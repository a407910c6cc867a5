// The non-elementwise kernels (normalisers, PReLU, RReLU noise) and what they share; register.cpp
// registers them.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <tuple>

namespace actlab {

// Raises actlab.errors.ShapeError (the Python kernels' exception) through the op
// actlab_native::shape_error that actlab.native defines in Python (defined in register.cpp).
[[noreturn]] void raise_shape_error(const std::string& message);
// ... and actlab.errors.ParameterError through actlab_native::parameter_error.
[[noreturn]] void raise_parameter_error(const std::string& message);

// normalizer.cpp
at::Tensor softmax(const at::Tensor& x, int64_t dim);
at::Tensor softmin(const at::Tensor& x, int64_t dim);
at::Tensor log_softmax(const at::Tensor& x, int64_t dim);
at::Tensor softmax_backward(const at::Tensor& g, const at::Tensor& y, int64_t dim);
at::Tensor softmin_backward(const at::Tensor& g, const at::Tensor& y, int64_t dim);
at::Tensor log_softmax_backward(const at::Tensor& g, const at::Tensor& y, int64_t dim);
std::tuple<at::Tensor, at::Tensor> softmax_double_backward(const at::Tensor& gg, const at::Tensor& g,
                                                           const at::Tensor& y, int64_t dim);
std::tuple<at::Tensor, at::Tensor> softmin_double_backward(const at::Tensor& gg, const at::Tensor& g,
                                                           const at::Tensor& y, int64_t dim);
std::tuple<at::Tensor, at::Tensor> log_softmax_double_backward(const at::Tensor& gg, const at::Tensor& g,
                                                               const at::Tensor& y, int64_t dim);

// rectifier.cpp: PReLU
at::Tensor prelu(const at::Tensor& x, const at::Tensor& weight);
std::tuple<at::Tensor, at::Tensor> prelu_backward(const at::Tensor& g, const at::Tensor& x, const at::Tensor& weight);
std::tuple<at::Tensor, at::Tensor, at::Tensor> prelu_double_backward(const at::Tensor& ggx, const at::Tensor& ggw,
                                                                     const at::Tensor& g, const at::Tensor& x,
                                                                     const at::Tensor& weight);

// rectifier.cpp: RReLU's training noise
at::Tensor rrelu_noise(const at::Tensor& x, double lower, double upper);
at::Tensor rrelu_noise_counter(const at::Tensor& x, double lower, double upper, int64_t seed);
int64_t rrelu_seed();
at::Tensor rrelu_counter(const at::Tensor& x, double lower, double upper, int64_t seed);
at::Tensor rrelu_counter_backward(const at::Tensor& g, const at::Tensor& x, double lower, double upper, int64_t seed);

}  // namespace actlab
