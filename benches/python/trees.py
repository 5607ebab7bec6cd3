"""Allocation-heavy code: complete binary trees (see benches/som/Trees.som)."""


class TreeNode:
    __slots__ = ("left", "right")

    def __init__(self, left, right):
        self.left, self.right = left, right

    def count(self):
        if self.left is None:
            return 1
        return 1 + self.left.count() + self.right.count()


def build(depth):
    if depth == 0:
        return TreeNode(None, None)
    return TreeNode(build(depth - 1), build(depth - 1))


def benchmark(inner):
    count = 0
    for _ in range(inner):
        count = build(12).count()
    return count


def verify(result):
    return result == 8191
