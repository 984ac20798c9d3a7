// Typed errors with useful messages, and a clean trace stack (library still usable) after every one of them.

import {
  ConcretizationError,
  DTypeError,
  GradientError,
  grad,
  jacfwd,
  jacrev,
  jvp,
  lax,
  linearize,
  makeJaxpr,
  np,
  ShapeError,
  type Tensor,
  TracegradError,
  UnexpectedTracerError,
  valueAndGrad,
  vjp,
} from "tracegrad";
import { afterEach, describe, expect, it } from "vitest";
import { traceDepth } from "../../src/ir/trace.js";
import { catchError, expectTensor } from "../helpers.js";

afterEach(() => {
  // Nothing left on the trace stack, and the library still computes: d/dx x³ at 2 = 12.
  expect(traceDepth()).toBe(0);
  expectTensor(grad((x: Tensor) => x.mul(x).mul(x))(np.array(2)), 12);
  const plain = np.add(1, 2);
  expect(plain.item()).toBe(3); // eager again: a concrete tensor, not a leftover tracer
});

describe("ShapeError", () => {
  it("np.add of incompatible shapes names the op, both shapes, the axis and a remedy", () => {
    const e = catchError(() => np.add(np.ones([2, 3]), np.ones([4, 3])), ShapeError);
    expect(e.message).toMatch(/^np\.add:/);
    expect(e.message).toMatch(/\[2, 3\] and \[4, 3\]/);
    expect(e.message).toMatch(/axis -2 has sizes 2 and 4/);
    expect(e.message).toMatch(/reshape|expandDims/);
  });

  it("the Tensor method reports the np operation", () => {
    expect(catchError(() => np.ones([2]).mul(np.ones([3])), ShapeError).message).toMatch(
      /np\.multiply: shapes \[2\] and \[3\]/,
    );
  });

  it("np.matmul with misaligned inner dimensions names both shapes and sizes", () => {
    const e = catchError(() => np.matmul(np.ones([2, 3]), np.ones([4, 3])), ShapeError);
    expect(e.message).toMatch(/np\.matmul/);
    expect(e.message).toMatch(/\[2, 3\] and \[4, 3\]/);
    expect(e.message).toMatch(/3 and 4/);
  });

  it("np.matmul with incompatible batch dimensions names both operand shapes", () => {
    const e = catchError(() => np.matmul(np.ones([2, 3, 4]), np.ones([3, 4, 5])), ShapeError);
    expect(e.message).toMatch(/np\.matmul/);
    expect(e.message).toMatch(/\[2, 3, 4\]/);
    expect(e.message).toMatch(/\[3, 4, 5\]/);
  });

  it("np.matmul of a 0-d operand", () => {
    expect(catchError(() => np.matmul(2, np.ones([3])), ShapeError).message).toMatch(
      /np\.matmul.*at least 1-D.*\[\] and \[3\].*np\.multiply/,
    );
  });

  it("np.dot with misaligned axes", () => {
    expect(catchError(() => np.dot(np.ones([2, 3]), np.ones([2, 3])), ShapeError).message).toMatch(
      /np\.dot: shapes \[2, 3\] and \[2, 3\] are not aligned/,
    );
  });

  it("lax primitives do not broadcast, and say so", () => {
    const e = catchError(() => lax.add(np.ones([2]), np.ones([3])), ShapeError);
    expect(e.message).toMatch(/^add: .*\[2\] and \[3\].*np functions broadcast/);
  });

  it("a shape error raised while tracing under grad", () => {
    const e = catchError(() => grad((x: Tensor) => x.add(np.ones([4])).sum())(np.ones([3])), ShapeError);
    expect(e.message).toMatch(/np\.add: shapes \[3\] and \[4\]/);
  });

  it("a shape error raised inside nested transforms", () => {
    catchError(() => grad(grad((x: Tensor) => x.matmul(np.ones([2, 2])).sum()))(np.array(1)), ShapeError);
    catchError(() => makeJaxpr(jacrev((x: Tensor) => x.reshape([5])))(np.ones([2, 2])), ShapeError);
  });

  it("bad reduction axes", () => {
    expect(catchError(() => np.sum(np.ones([2, 3]), { axis: 2 }), ShapeError).message).toMatch(
      /np\.sum: axis 2 is out of range for an array of rank 2/,
    );
    expect(catchError(() => np.sum(np.ones([2, 3]), { axis: [0, -2] }), ShapeError).message).toMatch(/repeated axis/);
  });
});

describe("GradientError", () => {
  it("grad of a non-scalar output names the shape and suggests .sum() or jacrev", () => {
    const e = catchError(
      () =>
        grad(function vecFn(x: Tensor) {
          return x.mul(2);
        })(np.ones([3])),
      GradientError,
    );
    expect(e.message).toMatch(/grad: 'vecFn' must return a scalar \(shape \[\]\), got shape \[3\]/);
    expect(e.message).toMatch(/\.sum\(\)/);
    expect(e.message).toMatch(/jacrev/);
  });

  it("a size-1 but not 0-d output is not a scalar", () => {
    expect(catchError(() => grad((x: Tensor) => x.mul(2))(np.ones([1])), GradientError).message).toMatch(/shape \[1\]/);
  });

  it("grad of a pytree output suggests jacrev / vjp / hasAux", () => {
    const e = catchError(
      () => grad((x: Tensor) => [x.sum(), x.sum()] as unknown as Tensor)(np.ones([2])),
      GradientError,
    );
    expect(e.message).toMatch(/pytree/);
    expect(e.message).toMatch(/hasAux/);
  });

  it("valueAndGrad says valueAndGrad", () => {
    expect(catchError(() => valueAndGrad((x: Tensor) => x)(np.ones([2])), GradientError).message).toMatch(
      /^valueAndGrad:/,
    );
  });
});

describe("DTypeError", () => {
  it("grad with respect to an int32 argument names the argument, the dtype and the remedy", () => {
    const e = catchError(
      () => grad((x: Tensor) => x.astype("float32").sum())(np.array([1, 2], { dtype: "int32" })),
      DTypeError,
    );
    expect(e.message).toMatch(/grad: argument 0 has dtype int32/);
    expect(e.message).toMatch(/astype\("float32"\)/);
  });

  it("grad with respect to a bool argument, chosen by argnums", () => {
    const e = catchError(
      () =>
        grad((x: Tensor, m: Tensor) => x.mul(m.astype("float32")).sum(), { argnums: [0, 1] })(
          np.ones([2]),
          np.array([true, false]),
        ),
      DTypeError,
    );
    expect(e.message).toMatch(/argument 1 has dtype bool/);
  });

  it("an integer output cannot be differentiated", () => {
    expect(catchError(() => grad((x: Tensor) => x.astype("int32").sum())(np.array([1.5])), DTypeError).message).toMatch(
      /returned dtype int32.*float32\/float64/,
    );
    expect(catchError(() => jacrev((x: Tensor) => x.astype("int32"))(np.array([1.5])), DTypeError).message).toMatch(
      /jacrev: output leaf 0.*int32/,
    );
  });

  it("jacfwd / jacrev with respect to an integer input", () => {
    expect(catchError(() => jacfwd((x: Tensor) => x)(np.array([1], { dtype: "int32" })), DTypeError).message).toMatch(
      /jacfwd: argument 0 has dtype int32/,
    );
  });

  it("float math on bool is refused at the lax level", () => {
    expect(catchError(() => lax.sin(np.array([true])), DTypeError).message).toMatch(/sin: got dtype bool/);
  });
});

describe("ConcretizationError under makeJaxpr", () => {
  const conversions: [string, (x: Tensor) => unknown, RegExp][] = [
    ["t > 0", (x) => ((x as unknown as number) > 0 ? x : x.neg()), /comparison/],
    ["Number(t)", (x) => x.mul(Number(x)), /Number/],
    ["+t", (x) => x.mul(+x), /Number/],
    ["t.item()", (x) => x.mul(x.item() as number), /item\(\)/],
    ["t.toArray()", (x) => x.toArray(), /toArray\(\)/],
    ["t.toTypedArray()", (x) => x.toTypedArray(), /toTypedArray\(\)/],
  ];
  for (const [what, body, names] of conversions) {
    it(`${what} names the traced function and suggests np.where`, () => {
      const myTracedFn = (x: Tensor) => body(x);
      const e = catchError(() => makeJaxpr(myTracedFn)(np.array(1)), ConcretizationError);
      expect(e.message).toMatch(names);
      expect(e.message).toMatch(/'myTracedFn'/);
      expect(e.message).toMatch(/makeJaxpr/);
      expect(e.message).toMatch(/f32\[\]/);
      expect(e.message).toMatch(/np\.where/);
    });
  }

  it("also for control flow inside grad under makeJaxpr (no concrete primal there)", () => {
    const piecewise = (x: Tensor) => ((x as unknown as number) > 0 ? x.mul(x) : x.neg());
    const e = catchError(() => makeJaxpr(grad(piecewise))(np.array(1)), ConcretizationError);
    expect(e.message).toMatch(/piecewise/);
  });

  it("printing a tracer is fine (no concretization)", () => {
    let text = "";
    makeJaxpr((x: Tensor) => {
      text = String(x);
      return x;
    })(np.ones([2]));
    expect(text).toBe("Traced<f32[2]>");
  });
});

describe("JS arithmetic on tracers", () => {
  it("JS '+' and '==' on a traced tensor throw, suggesting the tensor method", () => {
    const e = catchError(() => grad((x: Tensor) => (x as unknown as number) + 1)(np.array(2)), TracegradError);
    expect(e.message).toMatch(/JS '\+' or '=='.*f32\[\]/);
    expect(e.message).toMatch(/x\.add\(y\)/);
    catchError(() => grad((x: Tensor) => ((x as unknown as number) == 2 ? x : x.neg()))(np.array(2)), TracegradError);
    catchError(() => makeJaxpr((x: Tensor) => (x as unknown as number) + 1)(np.array(2)), TracegradError);
  });

  it("returning a JS number computed from a converted tracer is an error, not a silent zero gradient", () => {
    const e = catchError(
      () =>
        grad(function numFn(x: Tensor) {
          return Number(x) * 2;
        })(np.array(2)),
      TracegradError,
    );
    expect(e.message).toMatch(/grad: 'numFn' returned a plain JS number/);
    expect(e.message).toMatch(/x\.mul\(y\)/);
    catchError(() => jvp((x: Tensor) => Number(x) * 2, [np.array(2)], [np.array(1)]), TracegradError);
  });

  it("JS '+' on a concrete size-1 tensor still gives the number", () => {
    expect((np.array(2) as unknown as number) + 1).toBe(3);
  });
});

describe("UnexpectedTracerError", () => {
  it("a tracer leaked from grad and used later", () => {
    let leaked: Tensor | undefined;
    grad((x: Tensor) => {
      leaked = x;
      return x.mul(x);
    })(np.array(2));
    const e = catchError(() => leaked!.mul(2), UnexpectedTracerError);
    expect(e.message).toMatch(/f32\[\] tracer created by grad/);
    expect(e.message).toMatch(/escaped/);
    expect(e.message).toMatch(/return it/);
  });

  it("a tracer leaked from makeJaxpr, used eagerly or inside another transform", () => {
    let leaked: Tensor | undefined;
    makeJaxpr(function leaky(x: Tensor) {
      leaked = x;
      return x.sin();
    })(np.ones([3]));
    expect(catchError(() => leaked!.add(1), UnexpectedTracerError).message).toMatch(/makeJaxpr of 'leaky'/);
    catchError(() => grad((y: Tensor) => leaked!.mul(y).sum())(np.ones([3])), UnexpectedTracerError);
    catchError(() => leaked!.item(), UnexpectedTracerError);
  });

  it("a tracer leaked from an inner jvp into the enclosing grad", () => {
    let leaked: Tensor | undefined;
    const outer = (x: Tensor) => {
      jvp(
        (y: Tensor) => {
          leaked = y.mul(x);
          return y;
        },
        [x],
        [np.array(1)],
      );
      return leaked!.sum();
    };
    catchError(() => grad(outer)(np.array(2)), UnexpectedTracerError);
  });
});

describe("argnums", () => {
  const f2 = (x: Tensor, y: Tensor) => x.mul(y);

  it("out of range names the argnum and the valid range", () => {
    const e = catchError(() => grad(f2, { argnums: 2 })(np.array(2), np.array(3)), TracegradError);
    expect(e.message).toMatch(
      /grad: argnums 2 is out of range for a call with 2 positional arguments \(valid: 0 … 1\)/,
    );
    expect(catchError(() => grad(f2, { argnums: [0, 5] })(np.array(2), np.array(3)), TracegradError).message).toMatch(
      /argnums 5/,
    );
    expect(catchError(() => grad(f2, { argnums: -3 })(np.array(2), np.array(3)), TracegradError).message).toMatch(
      /argnums -3/,
    );
    expect(catchError(() => jacrev(f2, { argnums: 7 })(np.array(2), np.array(3)), TracegradError).message).toMatch(
      /jacrev: argnums 7/,
    );
  });

  it("empty or fractional argnums", () => {
    expect(catchError(() => grad(f2, { argnums: [] })(np.array(2), np.array(3)), TracegradError).message).toMatch(
      /argnums is empty/,
    );
    catchError(() => grad(f2, { argnums: 0.5 })(np.array(2), np.array(3)), TracegradError);
  });
});

describe("tangents and cotangents that do not match", () => {
  it("vjp cotangent of the wrong shape names both shapes", () => {
    const [, back] = vjp((x: Tensor) => x.mul(2), np.ones([3]));
    const e = catchError(() => back(np.ones([4])), ShapeError);
    expect(e.message).toMatch(/vjp: the leaf of the cotangent has shape \[4\].*shape \[3\]/);
  });

  it("vjp cotangent of the wrong structure names both structures", () => {
    const [, back] = vjp((x: Tensor) => [x.mul(2), x], np.ones([3]));
    const e = catchError(() => back(np.ones([3]) as never), TracegradError);
    expect(e.message).toMatch(/vjp: the cotangent must have the structure \[\*, \*\] .*got \*/);
    catchError(() => back({ a: np.ones([3]) } as never), TracegradError);
  });

  it("vjp cotangent of an integer dtype", () => {
    const [, back] = vjp((x: Tensor) => x.mul(2), np.ones([2]));
    expect(catchError(() => back(np.ones([2], { dtype: "int32" })), DTypeError).message).toMatch(
      /dtype int32.*is float32.*astype\("float32"\)/,
    );
  });

  it("jvp tangents of the wrong shape or structure", () => {
    expect(catchError(() => jvp((x: Tensor) => x.mul(2), [np.ones([3])], [np.ones([4])]), ShapeError).message).toMatch(
      /jvp: .*\[4\].*\[3\]/,
    );
    const e = catchError(
      () => jvp((x: Tensor, y: Tensor) => x.mul(y), [np.ones([3]), np.ones([3])], [np.ones([3])] as never),
      TracegradError,
    );
    expect(e.message).toMatch(/jvp: .*structure \[\*, \*\].*got \[\*\]/);
    catchError(
      () => jvp((p: { a: Tensor }) => p.a, [{ a: np.ones([2]) }], [{ b: np.ones([2]) }] as never),
      TracegradError,
    );
  });

  it("jvp tangent whose dtype differs from its primal (as JAX); JS numbers adopt the primal's dtype", () => {
    const x64 = np.array([1, 2], { dtype: "float64" });
    expect(catchError(() => jvp((x: Tensor) => x.mul(2), [x64], [np.ones([2])]), DTypeError).message).toMatch(
      /dtype float32.*is float64/,
    );
    const [, t] = jvp((x: Tensor) => x.mul(2), [np.array(1, { dtype: "float64" })], [1]);
    expect(t.dtype).toBe("float64");
    expect(t.item()).toBe(2);
  });

  it("linearize tangents of the wrong shape", () => {
    const [, fLin] = linearize((x: Tensor) => x.sin(), np.ones([2]));
    catchError(() => fLin(np.ones([3])), ShapeError);
  });
});

describe("other misuse", () => {
  it("hasAux without [value, aux]", () => {
    const e = catchError(() => grad((x: Tensor) => x.sum() as never, { hasAux: true })(np.ones([2])), TracegradError);
    expect(e.message).toMatch(/hasAux.*must return \[value, aux\]/);
  });

  it("a non-tensor leaf in the arguments", () => {
    const e = catchError(
      () => grad((p: { a: Tensor; s: string }) => p.a.sum())({ a: np.ones([1]), s: "x" }),
      TracegradError,
    );
    expect(e.message).toMatch(/\(at \[0\]\.s\) is the string "x"/);
  });

  it("an error thrown by the user's function propagates unchanged", () => {
    const boom = new Error("boom");
    expect(() =>
      grad(
        grad((x: Tensor) => {
          if (x) throw boom;
          return x;
        }),
      )(np.array(1)),
    ).toThrow(boom);
  });

  it("every error class extends TracegradError and Error", () => {
    for (const C of [ShapeError, DTypeError, ConcretizationError, UnexpectedTracerError, GradientError]) {
      const e = new C("m");
      expect(e).toBeInstanceOf(TracegradError);
      expect(e).toBeInstanceOf(Error);
      expect(e.name).toBe(C.name);
    }
  });
});
