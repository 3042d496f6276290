using System.Collections.Specialized;
using static MlDb.Language.Tests.V;

namespace MlDb.Language.Tests.Errors;

/// <summary>Runtime errors at the host boundary (spec §11, §13.3): type, message, position, trace, report, data.</summary>
public sealed class RuntimeErrorTests
{
    private static MlScriptException Run(string source, string function = "main", string file = "rt.ml", params object?[] args)
    {
        var script = MlScript.Compile(source, file);
        var e = Scripts.Fails(() => script.Invoke(function, args));
        Assert.Equal(file, e.File);
        return e;
    }

    [Fact]
    public void Report_lists_frames_innermost_first_with_call_sites()
    {
        const string source =
            "function inner(x) {\n" +
            "  return x.y.z;\n" +
            "}\n" +
            "function middle(x) {\n" +
            "  let r = inner(x);\n" +
            "  return r;\n" +
            "}\n" +
            "function main() {\n" +
            "  return middle({y: null});\n" +
            "}\n";
        var e = Run(source, file: "trace.ml");
        Assert.Equal("TypeError", e.ErrorType);
        Assert.Equal("cannot read property 'z' of null", e.Message);
        Assert.Equal((2, 14), (e.Line, e.Column));
        const string frames =
            "  at inner (trace.ml, line 2, column 14)\n" +
            "  at middle (trace.ml, line 5, column 11)\n" +
            "  at main (trace.ml, line 9, column 10)";
        Assert.Equal("TypeError: cannot read property 'z' of null\n" + frames, e.Report);
        Assert.Equal(frames, e.MlStackTrace);
        Assert.Equal(e.Report, e.ToString());
        Assert.Null(e.ThrownData);
        Assert.False(e.IsLimitError);
    }

    [Fact]
    public void Top_level_code_is_the_top_frame_and_fails_the_compile()
    {
        const string source =
            "function inner(x) {\n" +
            "  return x.y.z;\n" +
            "}\n" +
            "let ok = 1;\n" +
            "let top = inner({y: null});\n";
        var e = Scripts.CompileFails(source, "top.ml");
        Assert.Equal(
            "TypeError: cannot read property 'z' of null\n" +
            "  at inner (top.ml, line 2, column 14)\n" +
            "  at <top> (top.ml, line 5, column 11)",
            e.Report);
        Assert.Empty(e.Diagnostics);

        var direct = Scripts.CompileFails("let a = 1;\nlet b = a / 0;\n", "top.ml");
        Assert.Equal("ArithmeticError: division by zero\n  at <top> (top.ml, line 2, column 11)", direct.Report);
    }

    [Fact]
    public void Unnamed_functions_are_anonymous_and_named_expressions_keep_their_name()
    {
        const string source =
            "function main() {\n" +
            "  let f = function () {\n" +
            "    return 1 + {};\n" +
            "  };\n" +
            "  let g = function helper() { return f(); };\n" +
            "  let h = fn() => g();\n" +
            "  return h();\n" +
            "}\n";
        var e = Run(source, file: "anon.ml");
        Assert.Equal(
            "TypeError: unsupported operand types for +: int and object\n" +
            "  at anonymous (anon.ml, line 3, column 14)\n" +
            "  at helper (anon.ml, line 5, column 38)\n" +
            "  at anonymous (anon.ml, line 6, column 19)\n" +
            "  at main (anon.ml, line 7, column 10)",
            e.Report);
    }

    [Fact]
    public void An_error_inside_a_map_callback_traces_through_the_callback_and_the_caller()
    {
        const string source =
            "function main(rows) {\n" +
            "  let totals = rows.map(function (row) {\n" +
            "    return row.price * row.qty;\n" +
            "  });\n" +
            "  return totals;\n" +
            "}\n";
        var script = MlScript.Compile(source, "map.ml");
        var rows = new object?[] { Row(("price", 2.5), ("qty", 2)), Row(("price", 1.0), ("qty", "three")) };
        var e = Scripts.Fails(() => script.Invoke("main", [rows]));
        Assert.Equal("TypeError", e.ErrorType);
        Assert.Equal((3, 22), (e.Line, e.Column));
        Assert.Equal(
            "TypeError: " + e.Message + "\n" +
            "  at anonymous (map.ml, line 3, column 22)\n" +
            "  at main (map.ml, line 2, column 21)",
            e.Report);
        Assert.Equal(new object?[] { 5.0 }, ((object?[])script.Invoke("main", [new object?[] { Row(("price", 2.5), ("qty", 2)) }])!));
    }

    [Fact]
    public void Nested_callbacks_sort_inside_filter()
    {
        const string source =
            "function byName(a, b) {\n" +
            "  return a.name < b.name ? -1 : 1;\n" +
            "}\n" +
            "function main(groups) {\n" +
            "  return groups.filter(function (g) {\n" +
            "    return g.items.sort(byName).length > 0;\n" +
            "  });\n" +
            "}\n";
        var script = MlScript.Compile(source, "nested.ml");
        var groups = new object?[] { Row(("items", new object?[] { Row(("name", "b")), Row(("name", null)) })) };
        var e = Scripts.Fails(() => script.Invoke("main", [groups]));
        Assert.Equal("TypeError", e.ErrorType);
        Assert.Contains("cannot compare", e.Message);
        Assert.Equal(
            "TypeError: " + e.Message + "\n" +
            "  at byName (nested.ml, line 2, column 17)\n" +
            "  at anonymous (nested.ml, line 6, column 20)\n" +
            "  at main (nested.ml, line 5, column 17)",
            e.Report);
    }

    public static TheoryData<string, string, string, string> FailingOperations() => new()
    {
        // statement inside main, expected type, the text the position must point at (its first occurrence), message fragment
        { "return 1 + null;", "TypeError", "+", "unsupported operand types for +" },
        { "let a = 7; return a / 0;", "ArithmeticError", "/", "division by zero" },
        { "let a = 7; return a % 0;", "ArithmeticError", "%", "division by zero" },
        { "return 9223372036854775807 + 1;", "ArithmeticError", "+", "integer overflow" },
        { "let n = -9223372036854775807 - 1; return -n;", "ArithmeticError", "-n", "integer overflow" },
        { "return \"3\" * 2;", "TypeError", "*", "" },
        { "return 1 < \"a\";", "TypeError", "<", "cannot compare" },
        { "return null >= 0;", "TypeError", ">=", "cannot compare" },
        { "let o = null; return o.name;", "TypeError", "name", "of null" },
        { "let o = null; return o[\"name\"];", "TypeError", "[", "of null" },
        { "let x = 5; return x(1);", "TypeError", "x(", "is not a function" },
        { "let o = {f: 3}; return o.f(1);", "TypeError", "f(", "is not a function" },
        { "return missing + 1;", "ReferenceError", "missing", "'missing' is not defined" },
        { "let q = w; let w = 1; return q;", "ReferenceError", "w;", "before initialization" },
        { "let a = [1]; a[5] = 2; return a;", "RangeError", "= 2", "index out of range" },
        { "const c = 1; c = 2; return c;", "TypeError", "= 2", "constant" },
        { "return int(\"x\");", "ValueError", "int", "invalid" },
        { "return new Date(\"not a date\");", "ValueError", "new", "invalid date" },
        { "return new Math();", "TypeError", "new", "not a constructor" },
        { "return \"abc\".nope;", "TypeError", "nope", "no property" },
        { "for (x in 5) { } return 1;", "TypeError", "for", "" },
    };

    [Theory]
    [MemberData(nameof(FailingOperations))]
    public void Failing_operations_are_positioned_at_the_operation(string body, string type, string at, string fragment)
    {
        // The statement sits on line 2 from column 3.
        int column = body.IndexOf(at, StringComparison.Ordinal) + 3;
        var e = Run("function main() {\n  " + body + "\n}\n", file: "op.ml");
        Assert.True((type, 2, column) == (e.ErrorType, e.Line, e.Column),
            $"expected {type} at 2:{column} ('{at}'), got {e.ErrorType} at {e.Line}:{e.Column}: {e.Message}");
        Assert.Contains(fragment, e.Message);
        Assert.Equal($"{type}: {e.Message}\n  at main (op.ml, line 2, column {column})", e.Report);
        Assert.Null(e.ThrownData);
    }

    [Fact]
    public void A_thrown_string_is_the_message_exactly()
    {
        var e = Run("function main() {\n  throw \"Validation failed: Name must be at least 2 characters\";\n}\n");
        Assert.Equal("Error", e.ErrorType);
        Assert.Equal("Validation failed: Name must be at least 2 characters", e.Message);
        Assert.Equal("Validation failed: Name must be at least 2 characters", e.ThrownData);
        Assert.Equal((2, 3), (e.Line, e.Column)); // the throw keyword
        Assert.Equal("Error: Validation failed: Name must be at least 2 characters\n  at main (rt.ml, line 2, column 3)", e.Report);

        // Whitespace, newlines and an empty string are kept as they are.
        Assert.Equal("  two\nlines ", Run("function main() { throw \"  two\\nlines \"; }").Message);
        Assert.Equal("", Run("function main() { throw \"\"; }").Message);
    }

    [Fact]
    public void A_thrown_object_gives_type_message_and_the_whole_object_as_data()
    {
        var e = Run("function main(id) {\n  throw {type: \"ValidationError\", message: \"bad row\", row: id, fields: [\"a\", \"b\"], at: new Date(0)};\n}\n", args: 7);
        Assert.Equal("ValidationError", e.ErrorType);
        Assert.Equal("bad row", e.Message);
        Assert.Equal("ValidationError: bad row\n  at main (rt.ml, line 2, column 3)", e.Report);
        var data = Assert.IsType<OrderedDictionary>(e.ThrownData);
        Assert.Equal(["type", "message", "row", "fields", "at"], HostKeys(data));
        Assert.Equal("ValidationError", data["type"]);
        Assert.Equal("bad row", data["message"]);
        Assert.Equal(7L, data["row"]);
        Assert.Equal(new object?[] { "a", "b" }, data["fields"]);
        Assert.Equal(DateTime.UnixEpoch, data["at"]);
    }

    [Fact]
    public void Thrown_objects_without_string_type_or_message_fall_back()
    {
        var noType = Run("function main() { throw {message: \"only a message\", code: 3}; }");
        Assert.Equal(("Error", "only a message"), (noType.ErrorType, noType.Message));

        var numbers = Run("function main() { throw {type: 5, message: 7}; }");
        Assert.Equal(("Error", """{"type":5,"message":7}"""), (numbers.ErrorType, numbers.Message));
        Assert.Equal(["type", "message"], HostKeys(numbers.ThrownData));

        var noMessage = Run("function main() { throw {type: \"Custom\", detail: [1, 2.5]}; }");
        Assert.Equal(("Custom", """{"type":"Custom","detail":[1,2.5]}"""), (noMessage.ErrorType, noMessage.Message));

        var errorObject = Run("function main() { throw new Error(\"boom\"); }");
        Assert.Equal(("Error", "boom"), (errorObject.ErrorType, errorObject.Message));
        Assert.Equal(["type", "message"], HostKeys(errorObject.ThrownData));
    }

    [Fact]
    public void Thrown_numbers_arrays_and_null_are_stringified()
    {
        var number = Run("function main() { throw 42; }");
        Assert.Equal(("Error", "42"), (number.ErrorType, number.Message));
        Assert.Equal(42L, number.ThrownData);

        var dbl = Run("function main() { throw 2.0; }");
        Assert.Equal("2.0", dbl.Message);
        Assert.Equal(2.0, dbl.ThrownData);

        var array = Run("function main() { throw [1, \"a\", null]; }");
        Assert.Equal("""[1,"a",null]""", array.Message);
        Assert.Equal(new object?[] { 1L, "a", null }, array.ThrownData);

        var nil = Run("function main() { throw null; }");
        Assert.Equal(("Error", "null"), (nil.ErrorType, nil.Message));
        Assert.Null(nil.ThrownData);
    }

    [Fact]
    public void Thrown_data_that_cannot_cross_the_boundary_becomes_its_text()
    {
        var e = Run("function main() { let f = fn() => 1; throw {type: \"E\", message: \"with fn\", f: f}; }");
        Assert.Equal(("E", "with fn"), (e.ErrorType, e.Message));
        Assert.Equal("""{"type":"E","message":"with fn"}""", e.ThrownData);
    }

    [Fact]
    public void Caught_runtime_errors_are_type_and_message_objects()
    {
        const string source = """
            function attempt(f) {
              try {
                f();
                return "no error";
              } except (e) {
                return e;
              }
            }
            function main() {
              return [
                attempt(fn() => 1 / 0),
                attempt(fn() => null.x),
                attempt(fn() => undefinedName),
                attempt(fn() => int("x")),
                attempt(fn() => [{a: null}].map(fn(v) => v.a.b)),
                attempt(fn() => JSON.parse("{")),
              ];
            }
            """;
        var result = MlScript.Compile(source, "catch.ml").Call("main", ReadOnlySpan<MlValue>.Empty).AsArray;
        var expected = new[]
        {
            ("ArithmeticError", "division by zero"),
            ("TypeError", "cannot read property 'x' of null"),
            ("ReferenceError", "'undefinedName' is not defined"),
            ("ValueError", null),
            ("TypeError", "cannot read property 'b' of null"),
            ("SyntaxError", null),
        };
        Assert.Equal(expected.Length, result.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            var caught = result[i];
            AssertKeys(caught, "type", "message");
            AssertString(expected[i].Item1, caught.Get("type"));
            Assert.True(caught.Get("message").IsString);
            if (expected[i].Item2 is { } message) AssertString(message, caught.Get("message"));
        }
        Assert.Contains("invalid", result[3].Get("message").AsString);
    }

    [Fact]
    public void Caught_thrown_values_arrive_unchanged()
    {
        const string source = """
            function main() {
              let payload = {type: "Mine", list: [1, 2]};
              let got = [];
              try { throw "text"; } except (e) { got.push(e); }
              try { throw 3; } catch (e) { got.push(e); }
              try { throw payload; } except (e) { got.push(e == payload); e.list.push(3); }
              got.push(payload.list.length);
              return got;
            }
            """;
        AssertJson("""["text",3,true,3]""", MlScript.Compile(source, "c.ml").Call("main", ReadOnlySpan<MlValue>.Empty));
    }

    [Fact]
    public void An_error_rethrown_from_except_is_positioned_at_the_new_throw()
    {
        var e = Run("function main() {\n  try {\n    return 1 / 0;\n  } except (e) {\n    throw \"rethrown: \" + e.message;\n  }\n}\n");
        Assert.Equal(("Error", "rethrown: division by zero", 5, 5), (e.ErrorType, e.Message, e.Line, e.Column));
    }

    [Fact]
    public void Errors_from_a_finally_block_and_through_one()
    {
        var sink = new OutputSink();
        var script = MlScript.Compile("""
            function main(n) {
              try {
                return 10 / n;
              } finally {
                print("cleanup " + n);
              }
            }
            """, "fin.ml");
        var options = new MlCallOptions { Output = sink.Write };
        Assert.Equal(5.0, script.Invoke("main", [2], options));
        var e = Scripts.Fails(() => script.Invoke("main", [0], options));
        Assert.Equal(("ArithmeticError", 3, 15), (e.ErrorType, e.Line, e.Column));
        // finally runs for ordinary errors (unlike limit errors).
        Assert.Equal(["cleanup 2", "cleanup 0"], sink.Texts);
    }

    [Fact]
    public void Deep_recursion_traces_are_shortened_but_keep_both_ends()
    {
        var script = MlScript.Compile("function down(n) {\n  if (n == 0) { return null.x; }\n  return down(n - 1);\n}\nfunction main() {\n  return down(500);\n}\n", "deep.ml");
        var e = Scripts.Fails(() => script.Invoke("main"));
        Assert.Equal("TypeError", e.ErrorType);
        var lines = e.Report.Split('\n');
        Assert.Equal("TypeError: cannot read property 'x' of null", lines[0]);
        Assert.Equal("  at down (deep.ml, line 2, column 29)", lines[1]);
        Assert.Equal("  at main (deep.ml, line 6, column 10)", lines[^1]);
        Assert.Equal("  at down (deep.ml, line 3, column 10)", lines[^2]);
        Assert.Contains(lines, l => l.Contains("more frames", StringComparison.Ordinal));
        Assert.True(lines.Length < 60, $"the report has {lines.Length} lines");
    }
}
