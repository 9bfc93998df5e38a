def numerical_derivative(f, x, eps=1e-8):
    return (f(x + eps) - f(x)) / eps


def solve(f, x0, lr=0.01, num_iters=10000):
    x = x0
    for _i in range(num_iters):
        dx = numerical_derivative(f, x)
        grad = f(x) * dx
        x = x - lr * grad
        return x
