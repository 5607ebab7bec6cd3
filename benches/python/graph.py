"""Breadth-first search over a grid of node objects (see benches/som/Graph.som)."""


class GraphNode:
    __slots__ = ("neighbours", "distance")

    def __init__(self):
        self.neighbours = []
        self.distance = None

    def link(self, other):
        self.neighbours.append(other)
        other.neighbours.append(self)


def work(size):
    nodes = [GraphNode() for _ in range(size * size)]
    for y in range(size):
        for x in range(size):
            node = nodes[y * size + x]
            if x > 0:
                node.link(nodes[y * size + x - 1])
            if y > 0:
                node.link(nodes[(y - 1) * size + x])
    nodes[0].distance = 0
    queue = [nodes[0]]
    head = 0
    while head < len(queue):
        node = queue[head]
        head += 1
        for n in node.neighbours:
            if n.distance is None:
                n.distance = node.distance + 1
                queue.append(n)
    return sum(n.distance for n in nodes)


def benchmark(inner):
    result = 0
    for _ in range(inner):
        result = work(40)
    return result


def verify(result):
    return result == 62400
