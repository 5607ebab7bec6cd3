"""The towers of Hanoi with legality checks (see benches/som/Towers.som)."""


class Towers:
    def __init__(self):
        self.pegs = [[], [], []]
        self.moves = 0

    def move(self, n, a, b, c):
        if n == 0:
            return
        self.move(n - 1, a, c, b)
        self.move_disc(a, b)
        self.move(n - 1, c, b, a)

    def move_disc(self, a, b):
        disc = self.pegs[a].pop()
        target = self.pegs[b]
        if not (not target or target[-1] > disc):
            raise RuntimeError("illegal move")
        target.append(disc)
        self.moves += 1


def benchmark(inner):
    moves = 0
    for _ in range(inner):
        t = Towers()
        t.pegs[0] = list(range(14, 0, -1))
        t.move(14, 0, 2, 1)
        moves = t.moves
    return moves


def verify(result):
    return result == 16383
