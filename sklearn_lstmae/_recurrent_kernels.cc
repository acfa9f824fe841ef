// Fused LSTM and GRU recurrences for CPU training: the whole time loop in one op.
//
// Keras's LSTM and GRU on CPU run one TensorFlow while-loop iteration per time
// step, about fourteen small ops forward and more backward, so a 50-step
// sequence costs hundreds of op dispatches per batch. These kernels run the
// loop in C++ instead: per step one matrix product (Eigen) and the gate
// arithmetic, vectorized over Eigen arrays. The batch rows are split across
// TensorFlow's intra-op threads; rows are independent, so the threads never
// synchronize.
//
// Only the recurrence is here for training. The input projection
// (x @ kernel + bias) is one large matrix product done by TensorFlow before
// the loop, and the weight gradients are large products after it (see
// _fused.py). The forward-only ops for inference project each step inside
// the loop instead, so that a sequence's result never depends on its batch
// (see Scratch). Gate orders and
// activations are Keras's: LSTM i, f, c, o; GRU z, r, h (reset_after=True);
// sigmoid gates, tanh elsewhere (an LSTM's cell: tanh or relu); zero initial
// state; Keras's masking.
//
// sklearn_lstmae compiles this file on first use (see _fused.py).

#define EIGEN_USE_THREADS

#include <algorithm>
#include <string>

#include "Eigen/Core"
#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/shape_inference.h"
#include "tensorflow/core/util/work_sharder.h"

namespace {

using tensorflow::DEVICE_CPU;
using tensorflow::OpKernel;
using tensorflow::OpKernelConstruction;
using tensorflow::OpKernelContext;
using tensorflow::Tensor;
using tensorflow::TensorShape;
using tensorflow::shape_inference::DimensionHandle;
using tensorflow::shape_inference::InferenceContext;
using tensorflow::shape_inference::ShapeHandle;

// tensorflow::errors::InvalidArgument is deprecated in favour of absl's own.
inline absl::Status InvalidArgument(const char* message) {
  return absl::InvalidArgumentError(message);
}

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
// A block of rows of a [batch, time, width] tensor at one time step.
using Rows = Eigen::Map<Matrix, 0, Eigen::OuterStride<>>;
using ConstRows = Eigen::Map<const Matrix, 0, Eigen::OuterStride<>>;

// A rows x cols scratch matrix whose every row starts on a 64-byte boundary.
//
// Eigen evaluates the start and end of a misaligned row one element at a
// time and the rest in vector registers, and the two paths round
// tanh/sigmoid differently. In the strided [batch, time, width] tensors a
// row's alignment depends on its index, so computing there would make a
// sequence's result depend on its position in the batch. All arithmetic runs
// in these buffers instead, where every row is laid out alike; the tensors are
// only copied from and to.
struct Scratch {
  // `whole_panels`: see kPanelRows.
  Scratch(int64_t rows, int64_t cols, bool whole_panels = false)
      : storage(Matrix::Zero(ProductRows(rows, whole_panels), (cols + 15) / 16 * 16)),
        view(storage.data(), rows, cols, Eigen::OuterStride<>(storage.cols())),
        product_rows(storage.data(), storage.rows(), cols, Eigen::OuterStride<>(storage.cols())) {}
  // Matrix products run on `product_rows`: the rows plus zero rows.
  //
  // Eigen multiplies a single row by a matrix-vector routine that rounds
  // differently from its matrix-matrix one, and TensorFlow's sharding can
  // leave one row alone in a shard: there are always at least two rows.
  //
  // The forward-only ops (inference) go further, so that a sequence's result
  // never depends on its batch: Eigen's matrix-matrix product computes a row
  // with one of several micro-kernels, chosen by where the row falls among
  // panels of `kPanelRows` rows. Full panels take one; the rows left over take
  // others that accumulate in another order, and which rows are left over
  // depends on the shard's size (on AVX2 results changed with the batch size
  // for most sizes). With `whole_panels` the rows are padded to whole panels,
  // so every row takes the full-panel micro-kernel, and ForEachPanelShard
  // cuts shards at panel boundaries so only the batch's last panel is padded.
  // The training ops skip this: their input projection and gradients are
  // TensorFlow's products, whose rounding depends on the batch size anyway.
  static constexpr int64_t kMinProductRows = 2;
  static constexpr int64_t kPanelRows = Eigen::internal::gebp_traits<float, float>::mr;
  static int64_t ProductRows(int64_t rows, bool whole_panels) {
    if (!whole_panels) return std::max<int64_t>(rows, kMinProductRows);
    return std::max<int64_t>((rows + kPanelRows - 1) / kPanelRows, 1) * kPanelRows;
  }
  Matrix storage;
  Rows view;
  Rows product_rows;
};

// Fills `real` with the mask of rows first.. at step t.
void MaskColumn(const float* mask, int64_t first, int64_t steps, int64_t t, Rows* real) {
  for (int64_t r = 0; r < real->rows(); ++r) {
    real->row(r).setConstant(mask[(first + r) * steps + t]);
  }
}

// Rows first.. (`rows` of them) of a [batch, steps, width] tensor at step t.
Rows StepRows(float* data, int64_t first, int64_t rows, int64_t steps, int64_t t, int64_t width) {
  return Rows(data + (first * steps + t) * width, rows, width, Eigen::OuterStride<>(steps * width));
}
ConstRows StepRows(const float* data, int64_t first, int64_t rows, int64_t steps, int64_t t,
                   int64_t width) {
  return ConstRows(data + (first * steps + t) * width, rows, width,
                   Eigen::OuterStride<>(steps * width));
}

// Checks the ops share: the projection's steps (forward ops) and the mask (all four).
absl::Status CheckSteps(int64_t input_steps, int64_t steps) {
  if (steps >= 1 && (input_steps == 1 || input_steps == steps)) return absl::OkStatus();
  return InvalidArgument("input_projection must have 1 or `timesteps` steps");
}
absl::Status CheckMask(const Tensor& mask, int64_t batch, int64_t steps) {
  if (mask.NumElements() == 0 || mask.shape() == TensorShape({batch, steps})) {
    return absl::OkStatus();
  }
  return InvalidArgument("mask must be [batch, timesteps] or empty");
}

// The forward-only ops (inference) write only the hidden states, all of them or
// the last step's: no gates or cell states for a gradient, which for an encoder
// of 50 steps were most of the memory traffic.
absl::Status ForwardOnlyShape(InferenceContext* c, DimensionHandle batch, DimensionHandle units) {
  bool return_sequences;
  TF_RETURN_IF_ERROR(c->GetAttr("return_sequences", &return_sequences));
  c->set_output(0, return_sequences ? c->MakeShape({batch, c->UnknownDim(), units})
                                    : c->MakeShape({batch, units}));
  return absl::OkStatus();
}

// Where a step's hidden states go: the sequence op's [batch, steps, units]
// output at every step, or a forward-only op's [batch, units] at the last.
struct HiddenOutput {
  float* data = nullptr;
  bool all_steps = true;
  bool Writes(int64_t t, int64_t steps) const { return all_steps || t == steps - 1; }
  Rows At(int64_t first, int64_t rows, int64_t steps, int64_t t, int64_t units) const {
    return all_steps ? StepRows(data, first, rows, steps, t, units)
                     : StepRows(data, first, rows, 1, 0, units);
  }
};

// A forward-only op's output: every step's hidden states, or the last step's.
absl::Status AllocateHidden(OpKernelContext* context, bool return_sequences, int64_t batch,
                            int64_t steps, int64_t units, HiddenOutput* out) {
  Tensor* hidden;
  TF_RETURN_IF_ERROR(context->allocate_output(
      0, return_sequences ? TensorShape({batch, steps, units}) : TensorShape({batch, units}),
      &hidden));
  out->data = hidden->flat<float>().data();
  out->all_steps = return_sequences;
  return absl::OkStatus();
}

// Runs work(first_row, end_row) over the batch rows, one shard per thread.
template <typename Work>
void ForEachRowShard(OpKernelContext* context, int64_t batch, int64_t cost_per_row, Work work) {
  const auto* threads = context->device()->tensorflow_cpu_worker_threads();
  tensorflow::Shard(threads->num_threads, threads->workers, batch, cost_per_row, work);
}

// ForEachRowShard with shards cut at multiples of Scratch::kPanelRows rows.
template <typename Work>
void ForEachPanelShard(OpKernelContext* context, int64_t batch, int64_t cost_per_row, Work work) {
  const int64_t panel = Scratch::kPanelRows;
  ForEachRowShard(context, (batch + panel - 1) / panel, cost_per_row * panel,
                  [&](int64_t first, int64_t end) {
                    work(first * panel, std::min(end * panel, batch));
                  });
}

}  // namespace

REGISTER_OP("SklearnLstmaeLstmSequence")
    .Input("input_projection: float")  // [batch, 1 or timesteps, 4 * units]
    .Input("recurrent_kernel: float")  // [units, 4 * units]
    .Input("timesteps: int32")         // scalar
    .Input("mask: float")              // [batch, timesteps] of 1 (real) / 0, or empty
    .Output("hidden: float")           // [batch, timesteps, units]
    .Output("cell: float")             // [batch, timesteps, units]
    .Output("gates: float")            // [batch, timesteps, 4 * units], activated
    .Attr("activation: {'tanh', 'relu'} = 'tanh'")  // the cell's; gates are sigmoid
    .SetShapeFn([](InferenceContext* c) {
      ShapeHandle projection, recurrent;
      TF_RETURN_IF_ERROR(c->WithRank(c->input(0), 3, &projection));
      TF_RETURN_IF_ERROR(c->WithRank(c->input(1), 2, &recurrent));
      DimensionHandle batch = c->Dim(projection, 0);
      DimensionHandle units = c->Dim(recurrent, 0);
      DimensionHandle steps = c->UnknownDim();
      c->set_output(0, c->MakeShape({batch, steps, units}));
      c->set_output(1, c->MakeShape({batch, steps, units}));
      c->set_output(2, c->MakeShape({batch, steps, c->Dim(recurrent, 1)}));
      return absl::OkStatus();
    });

// The LSTM for inference (LstmForwardOp below): the inputs themselves, no
// gradient state, only the hidden states out (all steps, or the last one).
REGISTER_OP("SklearnLstmaeLstmForward")
    .Input("inputs: float")            // [batch, 1 (repeated) or timesteps, features]
    .Input("kernel: float")            // [features, 4 * units]
    .Input("recurrent_kernel: float")  // [units, 4 * units]
    .Input("bias: float")              // [4 * units]
    .Input("timesteps: int32")         // scalar
    .Input("mask: float")              // [batch, timesteps] of 1 (real) / 0, or empty
    .Attr("return_sequences: bool")
    .Attr("activation: {'tanh', 'relu'} = 'tanh'")
    .Output("hidden: float")  // [batch, timesteps, units], or [batch, units]
    .SetShapeFn([](InferenceContext* c) {
      ShapeHandle inputs, recurrent;
      TF_RETURN_IF_ERROR(c->WithRank(c->input(0), 3, &inputs));
      TF_RETURN_IF_ERROR(c->WithRank(c->input(2), 2, &recurrent));
      return ForwardOnlyShape(c, c->Dim(inputs, 0), c->Dim(recurrent, 0));
    });

REGISTER_OP("SklearnLstmaeLstmSequenceGrad")
    .Input("recurrent_kernel: float")  // [units, 4 * units]
    .Input("gates: float")             // [batch, timesteps, 4 * units]
    .Input("cell: float")              // [batch, timesteps, units]
    .Input("hidden_grad: float")       // [batch, timesteps, units]
    .Input("mask: float")              // as in the forward op
    .Output("preactivation_grad: float")  // [batch, timesteps, 4 * units]
    .Attr("activation: {'tanh', 'relu'} = 'tanh'")  // the cell's; gates are sigmoid
    .SetShapeFn([](InferenceContext* c) {
      c->set_output(0, c->input(1));
      return absl::OkStatus();
    });

// The LSTM cell's activation (candidate and output): Keras's default tanh, or
// relu, which the classic LSTM autoencoder examples use.
absl::Status ReadReluAttr(OpKernelConstruction* context, bool* relu) {
  std::string activation;
  TF_RETURN_IF_ERROR(context->GetAttr("activation", &activation));
  *relu = activation == "relu";
  return absl::OkStatus();
}

template <typename Values>
void Activate(bool relu, Values& values) {
  if (relu) {
    values = values.max(0.0f);
  } else {
    values = values.tanh();
  }
}

// h = output_gate * activation(c).
template <typename Hidden, typename Gate, typename Cell>
void SetHidden(bool relu, const Gate& output_gate, const Cell& c, Hidden&& h) {
  if (relu) {
    h = output_gate * c.max(0.0f);
  } else {
    h = output_gate * c.tanh();
  }
}

class LstmSequenceOp : public OpKernel {
 public:
  explicit LstmSequenceOp(OpKernelConstruction* context) : OpKernel(context) {
    OP_REQUIRES_OK(context, ReadReluAttr(context, &relu_));
  }

  void Compute(OpKernelContext* context) override {
    const Tensor& projection = context->input(0);
    const Tensor& recurrent_kernel = context->input(1);
    const Tensor& timesteps_tensor = context->input(2);
    const Tensor& mask = context->input(3);
    OP_REQUIRES(context, projection.dims() == 3,
                InvalidArgument("input_projection must be 3-D"));
    OP_REQUIRES(context, recurrent_kernel.dims() == 2,
                InvalidArgument("recurrent_kernel must be 2-D"));
    OP_REQUIRES(context, timesteps_tensor.dims() == 0, InvalidArgument("timesteps must be a scalar"));
    const int64_t batch = projection.dim_size(0);
    const int64_t input_steps = projection.dim_size(1);
    const int64_t units = recurrent_kernel.dim_size(0);
    const int64_t width = 4 * units;
    const int64_t steps = timesteps_tensor.scalar<int32_t>()();
    OP_REQUIRES(context, recurrent_kernel.dim_size(1) == width,
                InvalidArgument("recurrent_kernel must be [units, 4 * units]"));
    OP_REQUIRES(context, projection.dim_size(2) == width,
                InvalidArgument("input_projection's last axis must be 4 * units"));
    OP_REQUIRES_OK(context, CheckSteps(input_steps, steps));

    OP_REQUIRES_OK(context, CheckMask(mask, batch, steps));
    const bool masked = mask.NumElements() > 0;

    Tensor *hidden, *cell, *gates;
    OP_REQUIRES_OK(context,
                   context->allocate_output(0, TensorShape({batch, steps, units}), &hidden));
    OP_REQUIRES_OK(context, context->allocate_output(1, TensorShape({batch, steps, units}), &cell));
    OP_REQUIRES_OK(context, context->allocate_output(2, TensorShape({batch, steps, width}), &gates));
    if (batch == 0) return;

    const float* projection_data = projection.flat<float>().data();
    float* hidden_data = hidden->flat<float>().data();
    float* cell_data = cell->flat<float>().data();
    float* gates_data = gates->flat<float>().data();
    Eigen::Map<const Matrix> recurrent(recurrent_kernel.flat<float>().data(), units, width);
    const float* mask_data = masked ? mask.flat<float>().data() : nullptr;

    auto work = [&](int64_t first, int64_t end) {
      const int64_t rows = end - first;
      Scratch z_buffer(rows, width), h_buffer(rows, units), c_buffer(rows, units);
      Scratch previous_h_buffer(rows, units), previous_c_buffer(rows, units);
      Scratch real_buffer(rows, units);
      Rows &z = z_buffer.view, &h = h_buffer.view, &c = c_buffer.view;
      Rows &previous_h = previous_h_buffer.view, &previous_c = previous_c_buffer.view;
      h.setZero();  // zero initial state
      c.setZero();
      for (int64_t t = 0; t < steps; ++t) {
        const int64_t projection_step = input_steps == 1 ? 0 : t;
        ConstRows x = StepRows(projection_data, first, rows, input_steps, projection_step, width);
        if (t == 0) {
          z = x;
        } else {
          z_buffer.product_rows.noalias() = h_buffer.product_rows * recurrent;
          z += x;
        }
        auto input_gate = z.leftCols(units).array();
        auto forget_gate = z.middleCols(units, units).array();
        auto candidate = z.middleCols(2 * units, units).array();
        auto output_gate = z.rightCols(units).array();
        input_gate = input_gate.logistic();
        forget_gate = forget_gate.logistic();
        Activate(relu_, candidate);
        output_gate = output_gate.logistic();
        if (masked) {
          previous_h = h;
          previous_c = c;
        }
        c.array() = forget_gate * c.array() + input_gate * candidate;
        SetHidden(relu_, output_gate, c.array(), h.array());
        if (masked) {
          // Keras's masking: a masked step keeps the state, and outputs the
          // previous step's output (zero before the first real step).
          Rows& real = real_buffer.view;
          MaskColumn(mask_data, first, steps, t, &real);
          c.array() = (real.array() > 0.5f).select(c.array(), previous_c.array());
          h.array() = (real.array() > 0.5f).select(h.array(), previous_h.array());
        }
        StepRows(gates_data, first, rows, steps, t, width) = z;
        StepRows(cell_data, first, rows, steps, t, units) = c;
        StepRows(hidden_data, first, rows, steps, t, units) = h;
      }
    };
    ForEachRowShard(context, batch, steps * width * units * 4, work);
  }

 private:
  bool relu_;
};

// The LSTM for inference: the inputs come in rather than their projection.
// Each step's input projection and recurrent product are one matrix product,
// [h, x_t] @ [recurrent_kernel; kernel], so no [batch, timesteps, 4 * units]
// projection is written and read back; a repeated input (a decoder's code) is
// projected once. Only the returned hidden states are written. The arithmetic
// is SklearnLstmaeLstmSequence's summed in another order: equal within float
// rounding, and still independent of a row's place in the batch.
class LstmForwardOp : public OpKernel {
 public:
  explicit LstmForwardOp(OpKernelConstruction* context) : OpKernel(context) {
    OP_REQUIRES_OK(context, context->GetAttr("return_sequences", &return_sequences_));
    OP_REQUIRES_OK(context, ReadReluAttr(context, &relu_));
  }

  void Compute(OpKernelContext* context) override {
    const Tensor& inputs = context->input(0);
    const Tensor& kernel_tensor = context->input(1);
    const Tensor& recurrent_kernel = context->input(2);
    const Tensor& bias_tensor = context->input(3);
    const Tensor& timesteps_tensor = context->input(4);
    const Tensor& mask = context->input(5);
    OP_REQUIRES(context,
                inputs.dims() == 3 && kernel_tensor.dims() == 2 && recurrent_kernel.dims() == 2 &&
                    bias_tensor.dims() == 1 && timesteps_tensor.dims() == 0,
                InvalidArgument("expected 3-D inputs, 2-D kernel and recurrent_kernel, 1-D bias "
                                "and scalar timesteps"));
    const int64_t batch = inputs.dim_size(0);
    const int64_t input_steps = inputs.dim_size(1);
    const int64_t features = inputs.dim_size(2);
    const int64_t units = recurrent_kernel.dim_size(0);
    const int64_t width = 4 * units;
    const int64_t steps = timesteps_tensor.scalar<int32_t>()();
    OP_REQUIRES(context,
                kernel_tensor.dim_size(0) == features && kernel_tensor.dim_size(1) == width &&
                    recurrent_kernel.dim_size(1) == width && bias_tensor.dim_size(0) == width,
                InvalidArgument("kernel must be [features, 4 * units], recurrent_kernel "
                                "[units, 4 * units] and bias [4 * units]"));
    OP_REQUIRES_OK(context, CheckSteps(input_steps, steps));
    OP_REQUIRES_OK(context, CheckMask(mask, batch, steps));
    const bool masked = mask.NumElements() > 0;
    const bool repeated = input_steps == 1;

    HiddenOutput hidden_out;
    OP_REQUIRES_OK(context,
                   AllocateHidden(context, return_sequences_, batch, steps, units, &hidden_out));
    if (batch == 0) return;

    const float* inputs_data = inputs.flat<float>().data();
    const float* mask_data = masked ? mask.flat<float>().data() : nullptr;
    Eigen::Map<const Matrix> kernel(kernel_tensor.flat<float>().data(), features, width);
    Eigen::Map<const Matrix> recurrent(recurrent_kernel.flat<float>().data(), units, width);
    Eigen::Map<const Eigen::Matrix<float, 1, Eigen::Dynamic>> bias(bias_tensor.flat<float>().data(),
                                                                  width);
    Matrix weights(units + features, width);  // [recurrent_kernel; kernel]
    weights.topRows(units) = recurrent;
    weights.bottomRows(features) = kernel;

    auto work = [&](int64_t first, int64_t end) {
      const int64_t rows = end - first;
      // hx holds [h, x_t]: the state in the first `units` columns.
      Scratch z_buffer(rows, width, true), hx_buffer(rows, units + features, true);
      Scratch c_buffer(rows, units, true);
      Scratch projection_buffer(rows, repeated ? width : 0, true);
      Scratch previous_h_buffer(rows, units, true), previous_c_buffer(rows, units, true);
      Scratch real_buffer(rows, units, true);
      Rows &z = z_buffer.view, &hx = hx_buffer.view, &c = c_buffer.view;
      Rows &previous_h = previous_h_buffer.view, &previous_c = previous_c_buffer.view;
      auto h = hx.leftCols(units);
      hx.setZero();  // zero initial state
      c.setZero();
      if (repeated) {
        // The same input at every step: project it once.
        hx.rightCols(features) = StepRows(inputs_data, first, rows, 1, 0, features);
        projection_buffer.product_rows.noalias() =
            hx_buffer.product_rows.rightCols(features) * kernel;
        projection_buffer.view.rowwise() += bias;
      }
      for (int64_t t = 0; t < steps; ++t) {
        if (repeated) {
          if (t == 0) {
            z = projection_buffer.view;
          } else {
            z_buffer.product_rows.noalias() = hx_buffer.product_rows.leftCols(units) * recurrent;
            z += projection_buffer.view;
          }
        } else {
          hx.rightCols(features) = StepRows(inputs_data, first, rows, input_steps, t, features);
          z_buffer.product_rows.noalias() = hx_buffer.product_rows * weights;
          z.rowwise() += bias;
        }
        auto input_gate = z.leftCols(units).array();
        auto forget_gate = z.middleCols(units, units).array();
        auto candidate = z.middleCols(2 * units, units).array();
        auto output_gate = z.rightCols(units).array();
        input_gate = input_gate.logistic();
        forget_gate = forget_gate.logistic();
        Activate(relu_, candidate);
        output_gate = output_gate.logistic();
        if (masked) {
          previous_h = h;
          previous_c = c;
        }
        c.array() = forget_gate * c.array() + input_gate * candidate;
        SetHidden(relu_, output_gate, c.array(), h.array());
        if (masked) {
          // Keras's masking, as in SklearnLstmaeLstmSequence.
          Rows& real = real_buffer.view;
          MaskColumn(mask_data, first, steps, t, &real);
          c.array() = (real.array() > 0.5f).select(c.array(), previous_c.array());
          h.array() = (real.array() > 0.5f).select(h.array(), previous_h.array());
        }
        if (hidden_out.Writes(t, steps)) hidden_out.At(first, rows, steps, t, units) = h;
      }
    };
    ForEachPanelShard(context, batch, steps * width * (units + features) * 2, work);
  }

 private:
  bool return_sequences_;
  bool relu_;
};

class LstmSequenceGradOp : public OpKernel {
 public:
  explicit LstmSequenceGradOp(OpKernelConstruction* context) : OpKernel(context) {
    OP_REQUIRES_OK(context, ReadReluAttr(context, &relu_));
  }

  void Compute(OpKernelContext* context) override {
    const Tensor& recurrent_kernel = context->input(0);
    const Tensor& gates = context->input(1);
    const Tensor& cell = context->input(2);
    const Tensor& hidden_grad = context->input(3);
    const Tensor& mask = context->input(4);
    OP_REQUIRES(context, recurrent_kernel.dims() == 2 && gates.dims() == 3 &&
                             cell.dims() == 3 && hidden_grad.dims() == 3,
                InvalidArgument("expected a 2-D kernel and 3-D gates, cell and hidden_grad"));
    const int64_t batch = gates.dim_size(0);
    const int64_t steps = gates.dim_size(1);
    const int64_t units = recurrent_kernel.dim_size(0);
    const int64_t width = 4 * units;
    OP_REQUIRES(context,
                recurrent_kernel.dim_size(1) == width && gates.dim_size(2) == width &&
                    cell.shape() == TensorShape({batch, steps, units}) &&
                    hidden_grad.shape() == cell.shape(),
                InvalidArgument("inconsistent shapes"));

    OP_REQUIRES_OK(context, CheckMask(mask, batch, steps));
    const bool masked = mask.NumElements() > 0;

    Tensor* preactivation_grad;
    OP_REQUIRES_OK(context, context->allocate_output(0, gates.shape(), &preactivation_grad));
    if (batch == 0 || steps == 0) return;

    const float* gates_data = gates.flat<float>().data();
    const float* cell_data = cell.flat<float>().data();
    const float* hidden_grad_data = hidden_grad.flat<float>().data();
    float* grad_data = preactivation_grad->flat<float>().data();
    const float* mask_data = masked ? mask.flat<float>().data() : nullptr;
    Eigen::Map<const Matrix> recurrent(recurrent_kernel.flat<float>().data(), units, width);

    auto work = [&](int64_t first, int64_t end) {
      const int64_t rows = end - first;
      Scratch g_buffer(rows, width), dz_buffer(rows, width);
      Scratch c_buffer(rows, units), previous_c_buffer(rows, units);
      Scratch hidden_total_buffer(rows, units), cell_activated_buffer(rows, units);
      Scratch cell_total_buffer(rows, units), real_buffer(rows, units);
      // Gradients flowing back into step t from step t + 1.
      Scratch recurrent_grad_buffer(rows, units), carry_grad_buffer(rows, units);
      Rows &g = g_buffer.view, &dz = dz_buffer.view, &c = c_buffer.view;
      Rows &previous_c = previous_c_buffer.view, &real = real_buffer.view;
      auto hidden_total = hidden_total_buffer.view.array();
      auto cell_activated = cell_activated_buffer.view.array();
      auto cell_total = cell_total_buffer.view.array();
      Rows& recurrent_grad = recurrent_grad_buffer.view;
      auto carry_grad = carry_grad_buffer.view.array();
      recurrent_grad.setZero();
      carry_grad.setZero();
      auto input_gate = g.leftCols(units).array();
      auto forget_gate = g.middleCols(units, units).array();
      auto candidate = g.middleCols(2 * units, units).array();
      auto output_gate = g.rightCols(units).array();
      for (int64_t t = steps - 1; t >= 0; --t) {
        g = StepRows(gates_data, first, rows, steps, t, width);
        c = StepRows(cell_data, first, rows, steps, t, units);
        // hidden_total = the output's own gradient + the recurrent one.
        hidden_total_buffer.view = StepRows(hidden_grad_data, first, rows, steps, t, units);
        hidden_total += recurrent_grad.array();
        // relu's derivative is 0 at 0, as TensorFlow's ReluGrad takes it.
        if (relu_) {
          cell_activated = c.array().max(0.0f);
          cell_total = carry_grad + hidden_total * output_gate * (c.array() > 0.0f).cast<float>();
        } else {
          cell_activated = c.array().tanh();
          cell_total =
              carry_grad + hidden_total * output_gate * (1.0f - cell_activated.square());
        }
        dz.rightCols(units).array() =
            hidden_total * cell_activated * output_gate * (1.0f - output_gate);
        dz.leftCols(units).array() = cell_total * candidate * input_gate * (1.0f - input_gate);
        if (relu_) {
          dz.middleCols(2 * units, units).array() =
              cell_total * input_gate * (candidate > 0.0f).cast<float>();
        } else {
          dz.middleCols(2 * units, units).array() =
              cell_total * input_gate * (1.0f - candidate.square());
        }
        if (t > 0) {
          previous_c = StepRows(cell_data, first, rows, steps, t - 1, units);
          dz.middleCols(units, units).array() =
              cell_total * previous_c.array() * forget_gate * (1.0f - forget_gate);
        } else {
          dz.middleCols(units, units).setZero();  // the initial cell state is zero
        }
        if (masked) {
          // A masked step passed its state through unchanged: no gate
          // gradient, and the state's gradients flow straight to step t - 1.
          MaskColumn(mask_data, first, steps, t, &real);
          for (int64_t r = 0; r < rows; ++r) {
            if (real(r, 0) < 0.5f) dz.row(r).setZero();
          }
          carry_grad = (real.array() > 0.5f).select(cell_total * forget_gate, carry_grad);
        } else {
          carry_grad = cell_total * forget_gate;
        }
        if (t > 0) {
          recurrent_grad_buffer.product_rows.noalias() =
              dz_buffer.product_rows * recurrent.transpose();
          if (masked) {
            recurrent_grad.array() += (real.array() > 0.5f).select(0.0f, hidden_total);
          }
        }
        StepRows(grad_data, first, rows, steps, t, width) = dz;
      }
    };
    ForEachRowShard(context, batch, steps * width * units * 6, work);
  }

 private:
  bool relu_;
};

REGISTER_KERNEL_BUILDER(Name("SklearnLstmaeLstmSequence").Device(DEVICE_CPU), LstmSequenceOp);
REGISTER_KERNEL_BUILDER(Name("SklearnLstmaeLstmForward").Device(DEVICE_CPU), LstmForwardOp);
REGISTER_KERNEL_BUILDER(Name("SklearnLstmaeLstmSequenceGrad").Device(DEVICE_CPU),
                        LstmSequenceGradOp);

// ---------------------------------------------------------------------------
// GRU, Keras's reset_after=True form (its default): gates z, r, h;
//   rec = h @ recurrent_kernel + recurrent_bias
//   z = sigmoid(x_z + rec_z), r = sigmoid(x_r + rec_r)
//   candidate = tanh(x_h + r * rec_h), h' = z * h + (1 - z) * candidate
// The input projection x @ kernel + input_bias comes in, as for the LSTM.

REGISTER_OP("SklearnLstmaeGruSequence")
    .Input("input_projection: float")  // [batch, 1 or timesteps, 3 * units]
    .Input("recurrent_kernel: float")  // [units, 3 * units]
    .Input("recurrent_bias: float")    // [3 * units]
    .Input("timesteps: int32")         // scalar
    .Input("mask: float")              // [batch, timesteps] of 1 (real) / 0, or empty
    .Output("hidden: float")           // [batch, timesteps, units]
    .Output("gates: float")            // [batch, timesteps, 4 * units]: z, r, candidate, rec_h
    .SetShapeFn([](InferenceContext* c) {
      ShapeHandle projection, recurrent;
      TF_RETURN_IF_ERROR(c->WithRank(c->input(0), 3, &projection));
      TF_RETURN_IF_ERROR(c->WithRank(c->input(1), 2, &recurrent));
      DimensionHandle batch = c->Dim(projection, 0);
      DimensionHandle units = c->Dim(recurrent, 0);
      DimensionHandle gate_width;
      TF_RETURN_IF_ERROR(c->Multiply(units, 4, &gate_width));
      c->set_output(0, c->MakeShape({batch, c->UnknownDim(), units}));
      c->set_output(1, c->MakeShape({batch, c->UnknownDim(), gate_width}));
      return absl::OkStatus();
    });

// The same recurrence for inference, only the hidden states out (all steps, or
// with return_sequences=false the last). Like the LSTM's forward op it reads
// the inputs themselves and projects each step inside the loop (a repeated
// input once), so that a sequence's result does not depend on the batch: a
// projection by TensorFlow's MatMul over [batch * timesteps, features] rounds
// a row differently depending on how many rows there are (seen on AVX2).
REGISTER_OP("SklearnLstmaeGruForward")
    .Input("inputs: float")            // [batch, 1 or timesteps, features]
    .Input("kernel: float")            // [features, 3 * units]
    .Input("input_bias: float")        // [3 * units]
    .Input("recurrent_kernel: float")  // [units, 3 * units]
    .Input("recurrent_bias: float")    // [3 * units]
    .Input("timesteps: int32")
    .Input("mask: float")
    .Attr("return_sequences: bool")
    .Output("hidden: float")  // [batch, timesteps, units], or [batch, units]
    .SetShapeFn([](InferenceContext* c) {
      ShapeHandle inputs, recurrent;
      TF_RETURN_IF_ERROR(c->WithRank(c->input(0), 3, &inputs));
      TF_RETURN_IF_ERROR(c->WithRank(c->input(3), 2, &recurrent));
      return ForwardOnlyShape(c, c->Dim(inputs, 0), c->Dim(recurrent, 0));
    });

REGISTER_OP("SklearnLstmaeGruSequenceGrad")
    .Input("recurrent_kernel: float")  // [units, 3 * units]
    .Input("gates: float")             // [batch, timesteps, 4 * units]
    .Input("hidden: float")            // [batch, timesteps, units]
    .Input("hidden_grad: float")       // [batch, timesteps, units]
    .Input("mask: float")              // as in the forward op
    .Output("input_grad: float")       // [batch, timesteps, 3 * units]: of x @ kernel + bias
    .Output("recurrent_grad: float")   // [batch, timesteps, 3 * units]: of rec
    .SetShapeFn([](InferenceContext* c) {
      ShapeHandle hidden;
      TF_RETURN_IF_ERROR(c->WithRank(c->input(2), 3, &hidden));
      DimensionHandle width;
      TF_RETURN_IF_ERROR(c->Multiply(c->Dim(hidden, 2), 3, &width));
      ShapeHandle out = c->MakeShape({c->Dim(hidden, 0), c->Dim(hidden, 1), width});
      c->set_output(0, out);
      c->set_output(1, out);
      return absl::OkStatus();
    });

// One GRU step on a shard's rows: from the input projection x and the
// recurrent product rec (bias added), the gates into g and the new state into
// h; Keras's masking where `real` is given. Shared by the training and the
// forward-only op, so the two compute alike.
template <typename X>
void GruStep(const X& x, const Rows& rec, int64_t units, Rows* g, Rows* h, Rows* previous_h,
             const Rows* real) {
  auto update = g->leftCols(units).array();
  auto reset = g->middleCols(units, units).array();
  auto candidate = g->middleCols(2 * units, units).array();
  auto recurrent_candidate = g->rightCols(units).array();
  update = (x.leftCols(units).array() + rec.leftCols(units).array()).logistic();
  reset = (x.middleCols(units, units).array() + rec.middleCols(units, units).array()).logistic();
  recurrent_candidate = rec.rightCols(units).array();
  candidate = (x.rightCols(units).array() + reset * recurrent_candidate).tanh();
  if (real != nullptr) *previous_h = *h;
  h->array() = update * h->array() + (1.0f - update) * candidate;
  if (real != nullptr) {
    // Keras's masking: a masked step keeps the state and outputs it.
    h->array() = (real->array() > 0.5f).select(h->array(), previous_h->array());
  }
}

// rec = h @ recurrent_kernel + recurrent_bias; at step 0 the state is zero.
template <typename Weights, typename Bias>
void GruRecurrentProduct(int64_t t, const Scratch& h_buffer, const Weights& recurrent,
                         const Bias& bias, Scratch* rec_buffer) {
  if (t == 0) {
    rec_buffer->view.rowwise() = bias;
    return;
  }
  rec_buffer->product_rows.noalias() = h_buffer.product_rows * recurrent;
  rec_buffer->view.rowwise() += bias;
}

class GruSequenceOp : public OpKernel {
 public:
  explicit GruSequenceOp(OpKernelConstruction* context) : OpKernel(context) {}

  void Compute(OpKernelContext* context) override {
    const Tensor& projection = context->input(0);
    const Tensor& recurrent_kernel = context->input(1);
    const Tensor& recurrent_bias = context->input(2);
    const Tensor& timesteps_tensor = context->input(3);
    const Tensor& mask = context->input(4);
    OP_REQUIRES(context, projection.dims() == 3 && recurrent_kernel.dims() == 2 &&
                             recurrent_bias.dims() == 1 && timesteps_tensor.dims() == 0,
                InvalidArgument("expected a 3-D input_projection, 2-D recurrent_kernel, "
                                "1-D recurrent_bias and scalar timesteps"));
    const int64_t batch = projection.dim_size(0);
    const int64_t input_steps = projection.dim_size(1);
    const int64_t units = recurrent_kernel.dim_size(0);
    const int64_t width = 3 * units;
    const int64_t steps = timesteps_tensor.scalar<int32_t>()();
    OP_REQUIRES(context,
                recurrent_kernel.dim_size(1) == width && recurrent_bias.dim_size(0) == width,
                InvalidArgument("recurrent_kernel must be [units, 3 * units] and "
                                "recurrent_bias [3 * units]"));
    OP_REQUIRES(context, projection.dim_size(2) == width,
                InvalidArgument("input_projection's last axis must be 3 * units"));
    OP_REQUIRES_OK(context, CheckSteps(input_steps, steps));
    OP_REQUIRES_OK(context, CheckMask(mask, batch, steps));
    const bool masked = mask.NumElements() > 0;

    Tensor *hidden, *gates;
    OP_REQUIRES_OK(context,
                   context->allocate_output(0, TensorShape({batch, steps, units}), &hidden));
    OP_REQUIRES_OK(context,
                   context->allocate_output(1, TensorShape({batch, steps, 4 * units}), &gates));
    if (batch == 0) return;

    const float* projection_data = projection.flat<float>().data();
    float* hidden_data = hidden->flat<float>().data();
    float* gates_data = gates->flat<float>().data();
    Eigen::Map<const Matrix> recurrent(recurrent_kernel.flat<float>().data(), units, width);
    Eigen::Map<const Eigen::Matrix<float, 1, Eigen::Dynamic>> bias(
        recurrent_bias.flat<float>().data(), width);
    const float* mask_data = masked ? mask.flat<float>().data() : nullptr;

    auto work = [&](int64_t first, int64_t end) {
      const int64_t rows = end - first;
      Scratch rec_buffer(rows, width), g_buffer(rows, 4 * units), h_buffer(rows, units);
      Scratch previous_h_buffer(rows, units), real_buffer(rows, units);
      Rows &rec = rec_buffer.view, &g = g_buffer.view, &h = h_buffer.view;
      Rows& previous_h = previous_h_buffer.view;
      h.setZero();  // zero initial state
      for (int64_t t = 0; t < steps; ++t) {
        const int64_t projection_step = input_steps == 1 ? 0 : t;
        ConstRows x = StepRows(projection_data, first, rows, input_steps, projection_step, width);
        GruRecurrentProduct(t, h_buffer, recurrent, bias, &rec_buffer);
        if (masked) MaskColumn(mask_data, first, steps, t, &real_buffer.view);
        GruStep(x, rec, units, &g, &h, &previous_h, masked ? &real_buffer.view : nullptr);
        StepRows(gates_data, first, rows, steps, t, 4 * units) = g;
        StepRows(hidden_data, first, rows, steps, t, units) = h;
      }
    };
    ForEachRowShard(context, batch, steps * width * units * 4, work);
  }
};

class GruForwardOp : public OpKernel {
 public:
  explicit GruForwardOp(OpKernelConstruction* context) : OpKernel(context) {
    OP_REQUIRES_OK(context, context->GetAttr("return_sequences", &return_sequences_));
  }

  void Compute(OpKernelContext* context) override {
    const Tensor& inputs = context->input(0);
    const Tensor& kernel_tensor = context->input(1);
    const Tensor& input_bias_tensor = context->input(2);
    const Tensor& recurrent_kernel = context->input(3);
    const Tensor& recurrent_bias = context->input(4);
    const Tensor& timesteps_tensor = context->input(5);
    const Tensor& mask = context->input(6);
    OP_REQUIRES(context,
                inputs.dims() == 3 && kernel_tensor.dims() == 2 && input_bias_tensor.dims() == 1 &&
                    recurrent_kernel.dims() == 2 && recurrent_bias.dims() == 1 &&
                    timesteps_tensor.dims() == 0,
                InvalidArgument("expected 3-D inputs, 2-D kernel and recurrent_kernel, 1-D "
                                "biases and scalar timesteps"));
    const int64_t batch = inputs.dim_size(0);
    const int64_t input_steps = inputs.dim_size(1);
    const int64_t features = inputs.dim_size(2);
    const int64_t units = recurrent_kernel.dim_size(0);
    const int64_t width = 3 * units;
    const int64_t steps = timesteps_tensor.scalar<int32_t>()();
    OP_REQUIRES(context,
                kernel_tensor.dim_size(0) == features && kernel_tensor.dim_size(1) == width &&
                    input_bias_tensor.dim_size(0) == width &&
                    recurrent_kernel.dim_size(1) == width &&
                    recurrent_bias.dim_size(0) == width,
                InvalidArgument("kernel must be [features, 3 * units], recurrent_kernel "
                                "[units, 3 * units] and both biases [3 * units]"));
    OP_REQUIRES_OK(context, CheckSteps(input_steps, steps));
    OP_REQUIRES_OK(context, CheckMask(mask, batch, steps));
    const bool masked = mask.NumElements() > 0;
    const bool repeated = input_steps == 1;

    HiddenOutput hidden_out;
    OP_REQUIRES_OK(context,
                   AllocateHidden(context, return_sequences_, batch, steps, units, &hidden_out));
    if (batch == 0) return;

    const float* inputs_data = inputs.flat<float>().data();
    const float* mask_data = masked ? mask.flat<float>().data() : nullptr;
    Eigen::Map<const Matrix> kernel(kernel_tensor.flat<float>().data(), features, width);
    Eigen::Map<const Matrix> recurrent(recurrent_kernel.flat<float>().data(), units, width);
    Eigen::Map<const Eigen::Matrix<float, 1, Eigen::Dynamic>> input_bias(
        input_bias_tensor.flat<float>().data(), width);
    Eigen::Map<const Eigen::Matrix<float, 1, Eigen::Dynamic>> bias(
        recurrent_bias.flat<float>().data(), width);

    auto work = [&](int64_t first, int64_t end) {
      const int64_t rows = end - first;
      Scratch x_buffer(rows, features, true), projection_buffer(rows, width, true);
      Scratch rec_buffer(rows, width, true), g_buffer(rows, 4 * units, true);
      Scratch h_buffer(rows, units, true);
      Scratch previous_h_buffer(rows, units, true), real_buffer(rows, units, true);
      Rows &projection = projection_buffer.view, &rec = rec_buffer.view, &g = g_buffer.view;
      Rows &h = h_buffer.view, &previous_h = previous_h_buffer.view;
      h.setZero();  // zero initial state
      for (int64_t t = 0; t < steps; ++t) {
        if (t == 0 || !repeated) {
          const int64_t step = repeated ? 0 : t;
          x_buffer.view = StepRows(inputs_data, first, rows, input_steps, step, features);
          projection_buffer.product_rows.noalias() = x_buffer.product_rows * kernel;
          projection.rowwise() += input_bias;
        }
        GruRecurrentProduct(t, h_buffer, recurrent, bias, &rec_buffer);
        if (masked) MaskColumn(mask_data, first, steps, t, &real_buffer.view);
        GruStep(projection, rec, units, &g, &h, &previous_h,
                masked ? &real_buffer.view : nullptr);
        if (hidden_out.Writes(t, steps)) hidden_out.At(first, rows, steps, t, units) = h;
      }
    };
    ForEachPanelShard(context, batch, steps * width * (units + features) * 2, work);
  }

 private:
  bool return_sequences_;
};

class GruSequenceGradOp : public OpKernel {
 public:
  explicit GruSequenceGradOp(OpKernelConstruction* context) : OpKernel(context) {}

  void Compute(OpKernelContext* context) override {
    const Tensor& recurrent_kernel = context->input(0);
    const Tensor& gates = context->input(1);
    const Tensor& hidden = context->input(2);
    const Tensor& hidden_grad = context->input(3);
    const Tensor& mask = context->input(4);
    OP_REQUIRES(context, recurrent_kernel.dims() == 2 && gates.dims() == 3 &&
                             hidden.dims() == 3 && hidden_grad.dims() == 3,
                InvalidArgument("expected a 2-D kernel and 3-D gates, hidden and hidden_grad"));
    const int64_t batch = hidden.dim_size(0);
    const int64_t steps = hidden.dim_size(1);
    const int64_t units = recurrent_kernel.dim_size(0);
    const int64_t width = 3 * units;
    OP_REQUIRES(context,
                recurrent_kernel.dim_size(1) == width &&
                    gates.shape() == TensorShape({batch, steps, 4 * units}) &&
                    hidden.shape() == TensorShape({batch, steps, units}) &&
                    hidden_grad.shape() == hidden.shape(),
                InvalidArgument("inconsistent shapes"));
    OP_REQUIRES_OK(context, CheckMask(mask, batch, steps));
    const bool masked = mask.NumElements() > 0;

    Tensor *input_grad, *recurrent_grad;
    const TensorShape grad_shape({batch, steps, width});
    OP_REQUIRES_OK(context, context->allocate_output(0, grad_shape, &input_grad));
    OP_REQUIRES_OK(context, context->allocate_output(1, grad_shape, &recurrent_grad));
    if (batch == 0 || steps == 0) return;

    const float* gates_data = gates.flat<float>().data();
    const float* hidden_data = hidden.flat<float>().data();
    const float* hidden_grad_data = hidden_grad.flat<float>().data();
    float* input_grad_data = input_grad->flat<float>().data();
    float* recurrent_grad_data = recurrent_grad->flat<float>().data();
    Eigen::Map<const Matrix> recurrent(recurrent_kernel.flat<float>().data(), units, width);
    const float* mask_data = masked ? mask.flat<float>().data() : nullptr;

    auto work = [&](int64_t first, int64_t end) {
      const int64_t rows = end - first;
      Scratch g_buffer(rows, 4 * units), previous_h_buffer(rows, units);
      Scratch dx_buffer(rows, width), drec_buffer(rows, width);
      Scratch dh_buffer(rows, units), carried_buffer(rows, units), real_buffer(rows, units);
      Rows &g = g_buffer.view, &previous_h = previous_h_buffer.view;
      Rows &dx = dx_buffer.view, &drec = drec_buffer.view, &real = real_buffer.view;
      // dh: the gradient of this step's state; carried: what flows to t - 1.
      Rows &dh = dh_buffer.view, &carried = carried_buffer.view;
      carried.setZero();
      auto update = g.leftCols(units).array();
      auto reset = g.middleCols(units, units).array();
      auto candidate = g.middleCols(2 * units, units).array();
      auto recurrent_candidate = g.rightCols(units).array();
      for (int64_t t = steps - 1; t >= 0; --t) {
        g = StepRows(gates_data, first, rows, steps, t, 4 * units);
        if (t > 0) {
          previous_h = StepRows(hidden_data, first, rows, steps, t - 1, units);
        } else {
          previous_h.setZero();
        }
        dh = StepRows(hidden_grad_data, first, rows, steps, t, units);
        dh += carried;
        auto d = dh.array();
        // d(update preactivation), d(candidate preactivation), d(reset preactivation)
        dx.leftCols(units).array() =
            d * (previous_h.array() - candidate) * update * (1.0f - update);
        dx.rightCols(units).array() = d * (1.0f - update) * (1.0f - candidate.square());
        dx.middleCols(units, units).array() =
            dx.rightCols(units).array() * recurrent_candidate * reset * (1.0f - reset);
        drec.leftCols(2 * units) = dx.leftCols(2 * units);
        drec.rightCols(units).array() = dx.rightCols(units).array() * reset;
        if (masked) {
          // A masked step passed its state through: no gate gradients, and
          // the state's gradient flows straight to step t - 1.
          MaskColumn(mask_data, first, steps, t, &real);
          for (int64_t r = 0; r < rows; ++r) {
            if (real(r, 0) < 0.5f) {
              dx.row(r).setZero();
              drec.row(r).setZero();
            }
          }
          carried.array() = (real.array() > 0.5f).select(d * update, d);
        } else {
          carried.array() = d * update;
        }
        if (t > 0) {
          carried_buffer.product_rows.noalias() += drec_buffer.product_rows * recurrent.transpose();
        }
        StepRows(input_grad_data, first, rows, steps, t, width) = dx;
        StepRows(recurrent_grad_data, first, rows, steps, t, width) = drec;
      }
    };
    ForEachRowShard(context, batch, steps * width * units * 6, work);
  }
};

REGISTER_KERNEL_BUILDER(Name("SklearnLstmaeGruSequence").Device(DEVICE_CPU), GruSequenceOp);
REGISTER_KERNEL_BUILDER(Name("SklearnLstmaeGruForward").Device(DEVICE_CPU), GruForwardOp);
REGISTER_KERNEL_BUILDER(Name("SklearnLstmaeGruSequenceGrad").Device(DEVICE_CPU),
                        GruSequenceGradOp);
