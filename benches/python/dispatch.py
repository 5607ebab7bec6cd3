"""Message sends and polymorphism (see benches/som/Dispatch.som)."""


class Shape:
    def area(self):
        raise NotImplementedError


class Square(Shape):
    def __init__(self, side):
        self.side = side

    def area(self):
        return self.side * self.side

    def perimeter(self):
        return 4 * self.side

    def scaled(self, f):
        return Square(self.side * f)


class Rect(Shape):
    def __init__(self, w, h):
        self.w, self.h = w, h

    def area(self):
        return self.w * self.h

    def perimeter(self):
        return 2 * (self.w + self.h)

    def scaled(self, f):
        return Rect(self.w * f, self.h * f)


class Triangle(Shape):
    def __init__(self, b, h):
        self.b, self.h = b, h

    def area(self):
        return self.b * self.h // 2

    def perimeter(self):
        return self.b * 3

    def scaled(self, f):
        return Triangle(self.b * f, self.h * f)


class Circle(Shape):
    def __init__(self, r):
        self.r = r

    def area(self):
        return 3 * self.r * self.r

    def perimeter(self):
        return 6 * self.r

    def scaled(self, f):
        return Circle(self.r * f)


def shape_for(i):
    k = i % 4
    if k == 0:
        return Square(i % 10 + 1)
    if k == 1:
        return Rect(i % 7 + 1, i % 5 + 1)
    if k == 2:
        return Triangle(i % 9 + 1, i % 3 + 2)
    return Circle(i % 6 + 1)


def benchmark(inner):
    shapes = [shape_for(i) for i in range(1, 401)]
    total = 0
    for _ in range(inner):
        total = 0
        for s in shapes:
            total = total + s.area() + s.perimeter() + s.scaled(2).area()
    return total


def verify(result):
    return result == EXPECTED


EXPECTED = 61696
