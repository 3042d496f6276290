using System.Runtime.CompilerServices;

namespace MlDb.Language.Syntax;

/// <summary>
/// Recursive-descent parser for the grammar of spec §3–§6. On an error it records the problem,
/// skips to the end of the statement and goes on, so one compile reports several problems.
/// </summary>
internal sealed class Parser
{
    private const int MaxNesting = 200;

    private readonly List<Token> _tokens;
    private readonly List<SyntaxProblem> _problems;
    private int _pos;
    private int _nesting;
    private int _functionDepth;
    private int _loopDepth;

    private sealed class ParseAbort : Exception;

    public Parser(List<Token> tokens, List<SyntaxProblem> problems)
    {
        _tokens = tokens;
        _problems = problems;
    }

    public ProgramNode ParseProgram()
    {
        var statements = new List<Stmt>();
        while (Peek.Kind != TokenKind.EndOfFile)
        {
            var s = StatementWithRecovery(topLevel: true);
            if (s is not null) statements.Add(s);
        }
        return new ProgramNode(statements);
    }

    // ---- token helpers ------------------------------------------------------------------------

    private Token Peek => _tokens[_pos];

    private Token PeekAt(int offset) => _tokens[Math.Min(_pos + offset, _tokens.Count - 1)];

    private Token Advance()
    {
        var t = _tokens[_pos];
        if (t.Kind != TokenKind.EndOfFile) _pos++;
        return t;
    }

    private bool Check(string text) => Peek.Is(text);

    private bool Match(string text)
    {
        if (!Check(text)) return false;
        _pos++;
        return true;
    }

    private Token Expect(string text, string context)
    {
        if (Check(text)) return Advance();
        throw Fail(Peek, $"expected '{text}' {context}, found {Peek.Describe()}");
    }

    private ParseAbort Fail(Token at, string message)
    {
        _problems.Add(new SyntaxProblem("SyntaxError", message, at.Line, at.Column));
        return new ParseAbort();
    }

    private Token ExpectIdentifier(string context)
    {
        var t = Peek;
        if (t.Kind == TokenKind.Identifier) return Advance();
        if (t.Kind == TokenKind.Keyword)
            throw Fail(t, $"'{t.Text}' is a reserved word and cannot be used as {context}");
        throw Fail(t, $"expected {context}, found {t.Describe()}");
    }

    private void ExpectSemicolon()
    {
        if (Match(";")) return;
        var t = Peek;
        string hint = t.Kind == TokenKind.EndOfFile || t.Line != _tokens[Math.Max(_pos - 1, 0)].Line
            ? " (statements end with ';')" : "";
        throw Fail(t, $"expected ';' but found {t.Describe()}{hint}");
    }

    private void EnterNesting(Token at)
    {
        // The stack check keeps hosts with small thread stacks (1 MB or less) alive on deep nesting.
        if (++_nesting > MaxNesting || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw Fail(at, $"the code is nested too deeply (more than {MaxNesting} levels, or more than the thread's stack allows)");
    }

    /// <summary>
    /// One more operator folded into a left-deep chain (<c>a + b + c</c>, <c>a.b.c</c>, <c>f(x)(y)</c>): the tree gets
    /// one level deeper and the later phases recurse over it, so until the chain ends it counts like nesting.
    /// </summary>
    private void ChainLink(Token at, ref int links)
    {
        if (_nesting + 1 > MaxNesting || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw Fail(at, $"the expression is nested too deeply or is too long (more than {MaxNesting} levels; each operator of a chain such as a + b + c adds one): split it with intermediate variables");
        _nesting++;
        links++;
    }

    // ---- statements ---------------------------------------------------------------------------

    private Stmt? StatementWithRecovery(bool topLevel)
    {
        int start = _pos;
        int nesting = _nesting;
        try
        {
            return Statement(topLevel);
        }
        catch (ParseAbort)
        {
            _nesting = nesting;
            Synchronize(start);
            return null;
        }
    }

    /// <summary>Skips to just after the next ';' or to a '}' that closes a block opened in this statement.</summary>
    private void Synchronize(int start)
    {
        if (_pos == start) Advance();
        int depth = 0;
        for (int i = start; i < _pos; i++)
        {
            if (_tokens[i].Is("{")) depth++;
            else if (_tokens[i].Is("}")) depth--;
        }
        while (Peek.Kind != TokenKind.EndOfFile)
        {
            var t = Peek;
            if (depth <= 0 && t.Is(";")) { Advance(); return; }
            if (t.Is("{")) depth++;
            if (t.Is("}"))
            {
                if (depth <= 0) return; // the enclosing block's end
                depth--;
                Advance();
                if (depth == 0) return;
                continue;
            }
            Advance();
        }
    }

    private Stmt Statement(bool topLevel)
    {
        var t = Peek;
        if (t.Kind == TokenKind.Keyword)
        {
            switch (t.Text)
            {
                case "let":
                case "const":
                    return Declaration();
                case "function":
                    if (PeekAt(1).Kind == TokenKind.Identifier || PeekAt(1).Kind == TokenKind.Keyword)
                    {
                        Advance();
                        var fn = FunctionRest(t, ExpectIdentifier("a function name").Text, isArrow: false);
                        return new FunctionDeclStmt(t.Line, t.Column, fn);
                    }
                    break;
                case "if": return If();
                case "while": return While();
                case "for": return For();
                case "break":
                    Advance();
                    if (_loopDepth == 0) throw Fail(t, "'break' outside a loop");
                    ExpectSemicolon();
                    return new BreakStmt(t.Line, t.Column);
                case "continue":
                    Advance();
                    if (_loopDepth == 0) throw Fail(t, "'continue' outside a loop");
                    ExpectSemicolon();
                    return new ContinueStmt(t.Line, t.Column);
                case "return":
                    {
                        Advance();
                        if (_functionDepth == 0) throw Fail(t, "'return' outside a function");
                        Expr? value = Check(";") ? null : Expression();
                        ExpectSemicolon();
                        return new ReturnStmt(t.Line, t.Column, value);
                    }
                case "throw":
                    {
                        Advance();
                        var value = Expression();
                        ExpectSemicolon();
                        return new ThrowStmt(t.Line, t.Column, value);
                    }
                case "try": return Try();
                case "nonlocal": return Nonlocal();
                case "import": return Import(topLevel);
                case "delete":
                    {
                        Advance();
                        var expr = Postfix();
                        var target = expr switch
                        {
                            MemberExpr m => (Target)new MemberTarget(m.Line, m.Column, m.Target, m.Name),
                            IndexExpr ix => new IndexTarget(ix.Line, ix.Column, ix.Target, ix.Index),
                            _ => throw Fail(t, "'delete' needs a member or index expression such as o.key or o[key]"),
                        };
                        ExpectSemicolon();
                        return new DeleteStmt(t.Line, t.Column, target);
                    }
                case "else":
                case "elif":
                    throw Fail(t, $"'{t.Text}' without a matching 'if'");
                case "except":
                case "catch":
                case "finally":
                    throw Fail(t, $"'{t.Text}' without a matching 'try'");
            }
        }
        if (t.Is(";"))
        {
            Advance();
            return new EmptyStmt(t.Line, t.Column);
        }
        if (t.Is("{"))
        {
            // No free-standing blocks: a statement starting with '{' is an object destructuring.
            var pattern = ObjectPatternTarget();
            var eq = Peek;
            if (!Match("=")) throw Fail(eq, "a statement starting with '{' must be a destructuring assignment such as {a, b} = obj; (blocks need if/while/for/try)");
            var value = Expression();
            ExpectSemicolon();
            return new AssignStmt(eq.Line, eq.Column, pattern, null, value);
        }
        if (t.Is("[") && IsArrayDestructuring())
        {
            var pattern = ArrayPatternTarget();
            var eq = Expect("=", "after the destructuring pattern");
            var value = Expression();
            ExpectSemicolon();
            return new AssignStmt(eq.Line, eq.Column, pattern, null, value);
        }
        if (t.Kind == TokenKind.Identifier && t.Text == "capability"
            && (PeekAt(1).Is("{") || (PeekAt(1).Kind == TokenKind.Identifier && PeekAt(2).Is("{"))))
            throw Fail(t, "mlpy 'capability' blocks are not part of this dialect");
        return ExpressionOrAssignment();
    }

    private bool IsArrayDestructuring()
    {
        int depth = 0;
        for (int i = _pos; i < _tokens.Count; i++)
        {
            var t = _tokens[i];
            if (t.Kind == TokenKind.EndOfFile) return false;
            if (t.Is("[") || t.Is("(") || t.Is("{")) depth++;
            else if (t.Is("]") || t.Is(")") || t.Is("}"))
            {
                depth--;
                if (depth == 0) return _tokens[i + 1].Is("=");
            }
        }
        return false;
    }

    private Stmt ExpressionOrAssignment()
    {
        var start = Peek;
        var expr = Expression();
        var op = Peek;
        BinaryOp? compound = op.Kind == TokenKind.Punct ? op.Text switch
        {
            "+=" => BinaryOp.Add,
            "-=" => BinaryOp.Subtract,
            "*=" => BinaryOp.Multiply,
            "/=" => BinaryOp.Divide,
            "%=" => BinaryOp.Modulo,
            _ => null,
        } : null;
        if (op.Is("=") || compound is not null)
        {
            Advance();
            var target = ToTarget(expr, start);
            var value = Expression();
            ExpectSemicolon();
            return new AssignStmt(op.Line, op.Column, target, compound, value);
        }
        ExpectSemicolon();
        return new ExprStmt(start.Line, start.Column, expr);
    }

    private Target ToTarget(Expr expr, Token start) => expr switch
    {
        NameExpr n => new NameTarget(n.Line, n.Column, n.Name),
        MemberExpr m => new MemberTarget(m.Line, m.Column, m.Target, m.Name),
        IndexExpr ix => new IndexTarget(ix.Line, ix.Column, ix.Target, ix.Index),
        _ => throw Fail(start, "invalid assignment target: only a name, o.key or o[key] can be assigned"),
    };

    private Stmt Declaration()
    {
        var kw = Advance();
        bool isConst = kw.Text == "const";
        Target target;
        if (Check("[")) target = ArrayPatternTarget();
        else if (Check("{")) target = ObjectPatternTarget();
        else
        {
            var name = ExpectIdentifier("a variable name");
            target = new NameTarget(name.Line, name.Column, name.Text);
        }
        Expr? init = null;
        if (Match("=")) init = Expression();
        else if (isConst) throw Fail(Peek, "a const declaration needs a value: const name = value;");
        else if (target is not NameTarget) throw Fail(Peek, "a destructuring declaration needs a value");
        ExpectSemicolon();
        return new DeclareStmt(kw.Line, kw.Column, isConst, target, init);
    }

    private ArrayPattern ArrayPatternTarget()
    {
        var open = Expect("[", "to start a destructuring pattern");
        var names = new List<NameTarget>();
        while (!Check("]"))
        {
            var n = ExpectIdentifier("a variable name in the destructuring pattern");
            names.Add(new NameTarget(n.Line, n.Column, n.Text));
            if (!Match(",")) break;
        }
        Expect("]", "to close the destructuring pattern");
        return new ArrayPattern(open.Line, open.Column, names);
    }

    private ObjectPattern ObjectPatternTarget()
    {
        var open = Expect("{", "to start a destructuring pattern");
        var names = new List<NameTarget>();
        while (!Check("}"))
        {
            var n = ExpectIdentifier("a property name in the destructuring pattern");
            names.Add(new NameTarget(n.Line, n.Column, n.Text));
            if (!Match(",")) break;
        }
        Expect("}", "to close the destructuring pattern");
        return new ObjectPattern(open.Line, open.Column, names);
    }

    private BlockStmt Block(string context)
    {
        var open = Peek;
        if (!Check("{")) throw Fail(open, $"expected '{{' {context} (blocks always need braces), found {open.Describe()}");
        Advance();
        EnterNesting(open);
        var statements = new List<Stmt>();
        while (!Check("}"))
        {
            if (Peek.Kind == TokenKind.EndOfFile)
                throw Fail(Peek, $"missing '}}' to close the block opened at line {open.Line}, column {open.Column}");
            var s = StatementWithRecovery(topLevel: false);
            if (s is not null) statements.Add(s);
        }
        Advance();
        _nesting--;
        return new BlockStmt(open.Line, open.Column, statements);
    }

    private Expr ParenCondition(string keyword)
    {
        Expect("(", $"after '{keyword}'");
        var cond = Expression();
        Expect(")", $"to close the '{keyword}' condition");
        return cond;
    }

    private Stmt If()
    {
        var kw = Advance();
        var branches = new List<(Expr, BlockStmt)>();
        var cond = ParenCondition("if");
        branches.Add((cond, Block("after the if condition")));
        BlockStmt? elseBody = null;
        while (true)
        {
            if (Check("elif"))
            {
                Advance();
                var c = ParenCondition("elif");
                branches.Add((c, Block("after the elif condition")));
            }
            else if (Check("else") && PeekAt(1).Is("if"))
            {
                Advance();
                Advance();
                var c = ParenCondition("else if");
                branches.Add((c, Block("after the else if condition")));
            }
            else if (Check("else"))
            {
                Advance();
                elseBody = Block("after 'else'");
                break;
            }
            else break;
        }
        return new IfStmt(kw.Line, kw.Column, branches, elseBody);
    }

    private Stmt While()
    {
        var kw = Advance();
        var cond = ParenCondition("while");
        _loopDepth++;
        try
        {
            return new WhileStmt(kw.Line, kw.Column, cond, Block("after the while condition"));
        }
        finally
        {
            _loopDepth--;
        }
    }

    private Stmt For()
    {
        var kw = Advance();
        Expect("(", "after 'for'");
        bool declares = false, isConst = false;
        if (Check("let") || Check("const"))
        {
            declares = true;
            isConst = Advance().Text == "const";
        }
        var name = ExpectIdentifier("the loop variable");
        var sep = Peek;
        if (!(sep.Is("in") || (sep.Kind == TokenKind.Identifier && sep.Text == "of")))
            throw Fail(sep, $"expected 'in' or 'of' after the loop variable, found {sep.Describe()} (C-style for loops are not supported; use while)");
        Advance();
        var iterable = Expression();
        Expect(")", "to close the for header");
        _loopDepth++;
        try
        {
            var body = Block("after the for header");
            return new ForInStmt(kw.Line, kw.Column, declares, isConst, new NameTarget(name.Line, name.Column, name.Text), iterable, body);
        }
        finally
        {
            _loopDepth--;
        }
    }

    private Stmt Try()
    {
        var kw = Advance();
        var body = Block("after 'try'");
        bool hasHandler = false;
        NameTarget? variable = null;
        BlockStmt? handler = null, fin = null;
        if (Check("except") || Check("catch"))
        {
            Advance();
            hasHandler = true;
            if (Match("("))
            {
                var n = ExpectIdentifier("the error variable");
                variable = new NameTarget(n.Line, n.Column, n.Text);
                Expect(")", "after the error variable");
            }
            handler = Block("for the except handler");
        }
        if (Match("finally")) fin = Block("after 'finally'");
        if (!hasHandler && fin is null) throw Fail(Peek, "'try' needs an 'except' (or 'catch') clause, a 'finally' clause, or both");
        if (Check("except") || Check("catch")) throw Fail(Peek, "a 'try' can have only one except clause");
        return new TryStmt(kw.Line, kw.Column, body, hasHandler, variable, handler, fin);
    }

    private Stmt Nonlocal()
    {
        var kw = Advance();
        if (_functionDepth == 0) throw Fail(kw, "'nonlocal' is only allowed inside a function");
        var names = new List<(string, int, int)>();
        do
        {
            var n = ExpectIdentifier("a variable name after 'nonlocal'");
            names.Add((n.Text, n.Line, n.Column));
        } while (Match(","));
        ExpectSemicolon();
        return new NonlocalStmt(kw.Line, kw.Column, names);
    }

    private Stmt Import(bool topLevel)
    {
        var kw = Advance();
        if (!topLevel) throw Fail(kw, "'import' is only allowed at the top level of a script");
        var module = ExpectIdentifier("a module name after 'import'");
        var alias = module;
        if (Match("as")) alias = ExpectIdentifier("an alias after 'as'");
        ExpectSemicolon();
        return new ImportStmt(kw.Line, kw.Column, module.Text, alias.Text, alias.Line, alias.Column);
    }

    // ---- functions --------------------------------------------------------------------------

    /// <summary>Parses "(params) { body }" (or "(params) => body" for fn) after the keyword and optional name.</summary>
    private FunctionNode FunctionRest(Token keyword, string? name, bool isArrow)
    {
        Expect("(", name is null ? "to start the parameter list" : $"after the function name '{name}'");
        var parameters = new List<(string, int, int)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (!Check(")"))
        {
            var p = ExpectIdentifier("a parameter name");
            if (!seen.Add(p.Text)) throw Fail(p, $"the parameter '{p.Text}' is declared twice");
            parameters.Add((p.Text, p.Line, p.Column));
            if (Check("="))
                throw Fail(Peek, "parameters cannot have default values (missing arguments are null)");
            if (!Match(",")) break;
        }
        Expect(")", "to close the parameter list");

        int savedLoops = _loopDepth;
        _loopDepth = 0;
        _functionDepth++;
        EnterNesting(keyword);
        try
        {
            if (isArrow)
            {
                Expect("=>", "after the parameters of 'fn'");
                if (Check("{") && !ArrowBodyIsObjectLiteral())
                    return new FunctionNode(keyword.Line, keyword.Column, name, parameters, Block("for the function body"), null);
                var expr = Expression();
                return new FunctionNode(keyword.Line, keyword.Column, name, parameters, null, expr);
            }
            return new FunctionNode(keyword.Line, keyword.Column, name, parameters, Block("for the function body"), null);
        }
        finally
        {
            _functionDepth--;
            _loopDepth = savedLoops;
            _nesting--;
        }
    }

    /// <summary>After <c>=&gt;</c>, <c>{</c> is an object literal when it is <c>{}</c> or followed by a key and <c>:</c>.</summary>
    private bool ArrowBodyIsObjectLiteral()
    {
        var next = PeekAt(1);
        if (next.Is("}")) return true;
        bool isKey = next.Kind is TokenKind.Identifier or TokenKind.Keyword or TokenKind.String;
        return isKey && PeekAt(2).Is(":");
    }

    // ---- expressions --------------------------------------------------------------------------

    private Expr Expression()
    {
        var start = Peek;
        EnterNesting(start);
        try
        {
            return Conditional();
        }
        finally
        {
            _nesting--;
        }
    }

    private Expr Conditional()
    {
        var cond = LogicalOr();
        if (!Check("?")) return cond;
        var q = Advance();
        var whenTrue = Expression();
        Expect(":", "in the conditional expression (c ? a : b)");
        var whenFalse = Expression();
        return new ConditionalExpr(q.Line, q.Column, cond, whenTrue, whenFalse);
    }

    private Expr LogicalOr()
    {
        var left = LogicalAnd();
        int links = 0;
        while (Check("||"))
        {
            var op = Advance();
            ChainLink(op, ref links);
            left = new LogicalExpr(op.Line, op.Column, false, left, LogicalAnd());
        }
        _nesting -= links;
        return left;
    }

    private Expr LogicalAnd()
    {
        var left = Equality();
        int links = 0;
        while (Check("&&"))
        {
            var op = Advance();
            ChainLink(op, ref links);
            left = new LogicalExpr(op.Line, op.Column, true, left, Equality());
        }
        _nesting -= links;
        return left;
    }

    private Expr Equality()
    {
        var left = Relational();
        int links = 0;
        while (true)
        {
            var t = Peek;
            BinaryOp op;
            if (t.Is("==") || t.Is("===")) op = BinaryOp.Equal;
            else if (t.Is("!=") || t.Is("!==")) op = BinaryOp.NotEqual;
            else { _nesting -= links; return left; }
            Advance();
            ChainLink(t, ref links);
            left = new BinaryExpr(t.Line, t.Column, op, left, Relational());
        }
    }

    private Expr Relational()
    {
        var left = Additive();
        int links = 0;
        while (true)
        {
            var t = Peek;
            BinaryOp op;
            if (t.Is("<")) op = BinaryOp.Less;
            else if (t.Is("<=")) op = BinaryOp.LessEqual;
            else if (t.Is(">")) op = BinaryOp.Greater;
            else if (t.Is(">=")) op = BinaryOp.GreaterEqual;
            else { _nesting -= links; return left; }
            Advance();
            ChainLink(t, ref links);
            left = new BinaryExpr(t.Line, t.Column, op, left, Additive());
        }
    }

    private Expr Additive()
    {
        var left = Multiplicative();
        int links = 0;
        while (true)
        {
            var t = Peek;
            BinaryOp op;
            if (t.Is("+")) op = BinaryOp.Add;
            else if (t.Is("-")) op = BinaryOp.Subtract;
            else { _nesting -= links; return left; }
            Advance();
            ChainLink(t, ref links);
            left = new BinaryExpr(t.Line, t.Column, op, left, Multiplicative());
        }
    }

    private Expr Multiplicative()
    {
        var left = Unary();
        int links = 0;
        while (true)
        {
            var t = Peek;
            BinaryOp op;
            if (t.Is("*")) op = BinaryOp.Multiply;
            else if (t.Is("/")) op = BinaryOp.Divide;
            else if (t.Is("%")) op = BinaryOp.Modulo;
            else { _nesting -= links; return left; }
            Advance();
            ChainLink(t, ref links);
            left = new BinaryExpr(t.Line, t.Column, op, left, Unary());
        }
    }

    private Expr Unary()
    {
        var t = Peek;
        if (t.Is("!") || t.Is("-"))
        {
            Advance();
            EnterNesting(t);
            try
            {
                var operand = Unary();
                return new UnaryExpr(t.Line, t.Column, t.Text == "!" ? UnaryOp.Not : UnaryOp.Negate, operand);
            }
            finally
            {
                _nesting--;
            }
        }
        if (t.Is("+")) throw Fail(t, "unary '+' is not supported (use Number(x) or float(x) to convert)");
        return Postfix();
    }

    private Expr Postfix()
    {
        var expr = Primary();
        int links = 0;
        while (true)
        {
            var t = Peek;
            if (t.Is(".") || t.Is("[") || t.Is("(")) ChainLink(t, ref links);
            if (t.Is("."))
            {
                Advance();
                var name = Peek;
                if (name.Kind != TokenKind.Identifier && name.Kind != TokenKind.Keyword)
                    throw Fail(name, $"expected a property name after '.', found {name.Describe()}");
                Advance();
                expr = new MemberExpr(name.Line, name.Column, expr, name.Text);
            }
            else if (t.Is("["))
            {
                Advance();
                expr = IndexOrSlice(t, expr);
            }
            else if (t.Is("("))
            {
                Advance();
                var args = Arguments();
                var (line, col) = CallPosition(expr, t);
                expr = new CallExpr(line, col, expr, args);
            }
            else
            {
                _nesting -= links;
                return expr;
            }
        }
    }

    private static (int, int) CallPosition(Expr callee, Token paren) => callee switch
    {
        NameExpr n => (n.Line, n.Column),
        MemberExpr m => (m.Line, m.Column),
        _ => (paren.Line, paren.Column),
    };

    private List<Expr> Arguments()
    {
        var args = new List<Expr>();
        while (!Check(")"))
        {
            args.Add(Expression());
            if (!Match(",")) break;
        }
        Expect(")", "to close the argument list");
        return args;
    }

    private Expr IndexOrSlice(Token open, Expr target)
    {
        Expr? start = null;
        if (!Check(":"))
        {
            start = Expression();
            if (Match("]")) return new IndexExpr(open.Line, open.Column, target, start);
        }
        Expect(":", "or ']' in the index");
        Expr? end = null, step = null;
        if (!Check(":") && !Check("]")) end = Expression();
        if (Match(":"))
        {
            if (!Check("]")) step = Expression();
        }
        Expect("]", "to close the slice");
        return new SliceExpr(open.Line, open.Column, target, start, end, step);
    }

    /// <summary>At '(': true for "( name, name, … ) =>" or "( ) =>" — a JavaScript arrow function.</summary>
    private bool IsJavaScriptArrow(out Token arrow, out string parameters)
    {
        var names = new List<string>();
        int i = 1;
        if (PeekAt(i).Kind == TokenKind.Identifier)
        {
            names.Add(PeekAt(i).Text);
            i++;
            while (PeekAt(i).Is(",") && PeekAt(i + 1).Kind == TokenKind.Identifier)
            {
                names.Add(PeekAt(i + 1).Text);
                i += 2;
            }
        }
        arrow = PeekAt(i + 1);
        parameters = string.Join(", ", names);
        return PeekAt(i).Is(")") && arrow.Is("=>");
    }

    private Expr Primary()
    {
        var t = Peek;
        switch (t.Kind)
        {
            case TokenKind.Int:
                Advance();
                return new LiteralExpr(t.Line, t.Column, MlValue.FromInt(t.IntValue));
            case TokenKind.Double:
                Advance();
                return new LiteralExpr(t.Line, t.Column, MlValue.FromDouble(t.DoubleValue));
            case TokenKind.String:
                Advance();
                return new LiteralExpr(t.Line, t.Column, MlValue.FromString(t.Text));
            case TokenKind.Identifier:
                Advance();
                if (Check("=>"))
                    throw Fail(Peek, $"JavaScript arrow functions are not supported; write fn({t.Text}) => …");
                return new NameExpr(t.Line, t.Column, t.Text);
            case TokenKind.EndOfFile:
                throw Fail(t, "unexpected end of file in an expression");
        }
        if (t.Kind == TokenKind.Keyword)
        {
            switch (t.Text)
            {
                case "true": Advance(); return new LiteralExpr(t.Line, t.Column, MlValue.True);
                case "false": Advance(); return new LiteralExpr(t.Line, t.Column, MlValue.False);
                case "null": Advance(); return new LiteralExpr(t.Line, t.Column, MlValue.Null);
                case "function":
                    {
                        Advance();
                        string? name = null;
                        if (Peek.Kind == TokenKind.Identifier) name = Advance().Text;
                        var fn = FunctionRest(t, name, isArrow: false);
                        fn.IsExpression = name is not null;
                        return new FunctionExpr(t.Line, t.Column, fn);
                    }
                case "fn":
                    {
                        Advance();
                        var fn = FunctionRest(t, null, isArrow: true);
                        return new FunctionExpr(t.Line, t.Column, fn);
                    }
                case "new":
                    {
                        Advance();
                        var nameTok = ExpectIdentifier("a constructor name after 'new' (Date or Error)");
                        Expr callee = new NameExpr(nameTok.Line, nameTok.Column, nameTok.Text);
                        while (Check("."))
                        {
                            Advance();
                            var member = Advance();
                            if (member.Kind != TokenKind.Identifier && member.Kind != TokenKind.Keyword)
                                throw Fail(member, $"expected a property name after '.', found {member.Describe()}");
                            callee = new MemberExpr(member.Line, member.Column, callee, member.Text);
                        }
                        var args = Match("(") ? Arguments() : [];
                        return new NewExpr(t.Line, t.Column, callee, args);
                    }
            }
            throw Fail(t, $"unexpected '{t.Text}' in an expression" + (t.Text is "let" or "const" ? " (declarations are statements)" : ""));
        }
        if (t.Is("("))
        {
            if (IsJavaScriptArrow(out var arrow, out string parameters))
                throw Fail(arrow, $"JavaScript arrow functions are not supported; write fn({parameters}) => …");
            Advance();
            var inner = Expression();
            var close = Expect(")", "to close the parenthesis");
            if (Check("=>"))
                throw Fail(Peek, "JavaScript arrow functions are not supported; write fn(a, b) => …");
            _ = close;
            return inner;
        }
        if (t.Is("["))
        {
            Advance();
            var items = new List<Expr>();
            while (!Check("]"))
            {
                items.Add(Expression());
                if (!Match(",")) break;
            }
            Expect("]", "to close the array literal");
            return new ArrayExpr(t.Line, t.Column, items);
        }
        if (t.Is("{"))
        {
            Advance();
            var members = new List<(string, Expr)>();
            while (!Check("}"))
            {
                var k = Peek;
                string key;
                if (k.Kind is TokenKind.Identifier or TokenKind.Keyword or TokenKind.String) key = Advance().Text;
                else throw Fail(k, $"expected a key (a name or a string) in the object literal, found {k.Describe()}");
                Expect(":", $"after the key '{key}' in the object literal");
                members.Add((key, Expression()));
                if (!Match(",")) break;
            }
            Expect("}", "to close the object literal");
            return new ObjectExpr(t.Line, t.Column, members);
        }
        throw Fail(t, $"unexpected {t.Describe()} in an expression");
    }
}
