using MlDb.Language.Builtins;
using MlDb.Language.Runtime;
using MlDb.Language.Syntax;

namespace MlDb.Language.Compiler;

/// <summary>A top-level function declaration and the global cell that holds it.</summary>
internal sealed record TopLevelFunction(MlFunctionInfo Info, int GlobalSlot);

/// <summary>The prepared program: the top-level code as a function, and the globals it needs.</summary>
internal sealed class CompiledProgram(FunctionProto top, int globalCount, IReadOnlyList<TopLevelFunction> functions)
{
    public FunctionProto Top { get; } = top;
    public int GlobalCount { get; } = globalCount;
    public IReadOnlyList<TopLevelFunction> TopLevelFunctions { get; } = functions;

    public MlValue RunTopLevel(ExecContext ctx)
    {
        var closure = new Closure(Top, []);
        ctx.CallSite = null;
        return closure.Invoke(ctx, ctx.Sp, 0);
    }
}

/// <summary>Source text → prepared program: lex, parse, resolve, then build the node tree.</summary>
internal static class ProgramCompiler
{
    public static CompiledProgram Compile(string source, string fileName)
    {
        var problems = new List<SyntaxProblem>();
        var tokens = new Lexer(source, problems).Tokenize();
        var program = new Parser(tokens, problems).ParseProgram();
        if (problems.Count == 0)
        {
            var resolver = new Resolver(problems);
            var top = resolver.Resolve(program);
            if (problems.Count == 0)
            {
                var compiler = new NodeCompiler(problems);
                var compiled = compiler.CompileProgram(program, top, resolver.GlobalCount);
                if (problems.Count == 0) return compiled;
            }
        }
        throw HostCall.CompileError(fileName, problems);
    }
}

/// <summary>Turns the resolved syntax tree into prepared nodes.</summary>
internal sealed class NodeCompiler(List<SyntaxProblem> problems)
{
    private FunctionScope _function = null!;

    public CompiledProgram CompileProgram(ProgramNode program, FunctionScope top, int globalCount)
    {
        _function = top;
        var proto = new FunctionProto("<top>", 1, 1);
        var body = CompileBlock(program.Statements, program.TopBlock!, 1, 1, isTop: true);
        proto.Body = body;
        FinishProto(proto, top);
        var functions = new List<TopLevelFunction>();
        foreach (var s in program.Statements)
        {
            if (s is FunctionDeclStmt f)
            {
                var b = program.TopBlock!.Names[f.Function.Name!];
                var info = new MlFunctionInfo(f.Function.Name!, f.Function.Parameters.Select(p => p.Name).ToArray(), f.Function.Line, f.Function.Column);
                functions.Add(new TopLevelFunction(info, b.Slot));
            }
        }
        return new CompiledProgram(proto, globalCount, functions);
    }

    private static void FinishProto(FunctionProto proto, FunctionScope fs)
    {
        proto.ParameterCount = fs.Parameters.Count;
        proto.ParameterNames = fs.Parameters.Select(p => p.Name).ToArray();
        proto.SlotCount = fs.SlotCount;
        proto.CapturedParameterSlots = fs.Parameters.Where(p => p.Captured).Select(p => p.Slot).ToArray();
        proto.EntryCellSlots = fs.ImplicitOrder.Where(b => b.Captured && !b.IsGlobal).Select(b => b.Slot).ToArray();
        if (fs.SelfBinding is { } self)
        {
            proto.SelfSlot = self.Slot;
            proto.SelfCaptured = self.Captured;
        }
    }

    // ---- functions -------------------------------------------------------------------------

    private MakeClosureNode CompileFunction(FunctionNode fn)
    {
        var fs = fn.Scope!;
        var saved = _function;
        _function = fs;
        var proto = new FunctionProto(fn.Name ?? "anonymous", fn.Line, fn.Column);
        Expr? expressionBody = fn.ExpressionBody;
        if (expressionBody is not null)
        {
            proto.ExpressionBody = CompileExpr(expressionBody);
        }
        else
        {
            var body = fn.Body!;
            // A body that only returns an expression runs as that expression (no block, no Completion).
            if (body.Statements.Count == 1 && body.Statements[0] is ReturnStmt { Value: { } only } && BlockIsTrivial(body.Scope!))
                proto.ExpressionBody = CompileExpr(expressionBody = only);
            else
                proto.Body = CompileBlock(body.Statements, body.Scope!, body.Line, body.Column, isTop: false);
        }
        proto.KeyComparator = SortPatterns.Comparator(fn, expressionBody);
        proto.KeyFunction = SortPatterns.KeyFunction(fn, expressionBody);
        FinishProto(proto, fs);
        _function = saved;
        proto.Upvalues = fs.Upvalues.Select(b => b.Owner == saved
            ? new UpvalueSource(true, b.Slot)
            : new UpvalueSource(false, saved.UpvalueIndex(b))).ToArray();
        return new MakeClosureNode(fn.Line, fn.Column, proto);
    }

    private static bool BlockIsTrivial(BlockScope scope) => scope.Declared.All(b => b.Kind == BindingKind.Parameter) && scope.HoistedFunctions.Count == 0;

    // ---- blocks and statements ---------------------------------------------------------------

    private BlockNode CompileBlock(List<Stmt> statements, BlockScope scope, int line, int column, bool isTop)
    {
        var nodes = new List<StmtNode>(statements.Count);
        var hoistedImports = new List<(VarSlot, MlValue)>();
        foreach (var s in statements)
        {
            if (s is ImportStmt im)
            {
                try
                {
                    var ns = BuiltinRegistry.Import(im.Module);
                    hoistedImports.Add((SlotFor(im.Ref!.Binding!), MlValue.FromObject(ns)));
                }
                catch (MlError e)
                {
                    problems.Add(new SyntaxProblem(e.ErrorType, e.Message, im.Line, im.Column));
                }
                continue;
            }
            var node = CompileStatement(s);
            if (node is not null) nodes.Add(node);
        }
        var block = new BlockNode(line, column, nodes.ToArray());
        var local = scope.Declared.Where(b => !b.IsGlobal && b.Kind != BindingKind.Parameter).ToList();
        // Parameters and implicit locals get their cells when the function is entered.
        block.FreshCellSlots = local.Where(b => b.Captured).Select(b => b.Slot).ToArray();
        block.TdzResetSlots = local.Where(b => !b.Captured && b.NeedsTdzReset).Select(b => b.Slot).ToArray();
        block.Hoisted = scope.HoistedFunctions
            .Select(f => (SlotFor(scope.Names[f.Function.Name!]), CompileFunction(f.Function)))
            .ToArray();
        block.HoistedImports = hoistedImports.Select(h => h.Item1).ToArray();
        block.HoistedImportValues = hoistedImports.Select(h => h.Item2).ToArray();
        block.Seal();
        _ = isTop;
        return block;
    }

    private BlockNode CompileBlock(BlockStmt block) => CompileBlock(block.Statements, block.Scope!, block.Line, block.Column, isTop: false);

    /// <summary>The storage of a binding as seen from the function being compiled.</summary>
    private VarSlot SlotFor(Binding b)
    {
        if (b.IsGlobal) return new GlobalSlot(b.Name, b.Slot);
        if (b.Owner == _function) return b.Captured ? new CellSlot(b.Name, b.Slot) : new LocalSlot(b.Name, b.Slot);
        return new UpvalueSlot(b.Name, _function.UpvalueIndex(b));
    }

    private StmtNode? CompileStatement(Stmt s)
    {
        switch (s)
        {
            case EmptyStmt:
            case NonlocalStmt:
            case FunctionDeclStmt: // hoisted: bound on block entry
                return null;
            case ExprStmt e:
                return new ExprStmtNode(e.Line, e.Column, CompileExpr(e.Expr));
            case DeclareStmt d:
                return CompileDeclaration(d);
            case AssignStmt a:
                return CompileAssignment(a);
            case IfStmt i:
                return new IfNode(i.Line, i.Column,
                    i.Branches.Select(b => CompileExpr(b.Condition)).ToArray(),
                    i.Branches.Select(b => CompileBlock(b.Body)).ToArray(),
                    i.Else is null ? null : CompileBlock(i.Else));
            case WhileStmt w:
                return new WhileNode(w.Line, w.Column, CompileExpr(w.Condition), CompileBlock(w.Body));
            case ForInStmt f:
                {
                    var iterable = CompileExpr(f.Iterable);
                    var binding = f.Variable.Ref!.Binding!;
                    if (!f.Declares && binding.IsConstant)
                    {
                        problems.Add(new SyntaxProblem("SyntaxError", $"cannot use the constant '{binding.Name}' as a loop variable", f.Variable.Line, f.Variable.Column));
                        return null;
                    }
                    var slot = SlotFor(binding);
                    return new ForInNode(f.Line, f.Column, slot, f.Declares, iterable, CompileBlock(f.Body));
                }
            case BreakStmt b:
                return new BreakNode(b.Line, b.Column);
            case ContinueStmt c:
                return new ContinueNode(c.Line, c.Column);
            case ReturnStmt r:
                return new ReturnNode(r.Line, r.Column, r.Value is null ? null : CompileExpr(r.Value));
            case ThrowStmt t:
                return new ThrowNode(t.Line, t.Column, CompileExpr(t.Value));
            case TryStmt t:
                {
                    var body = CompileBlock(t.Body);
                    VarSlot? catchSlot = t.CatchVariable?.Ref?.Binding is { } cb ? SlotFor(cb) : null;
                    var handler = t.Handler is null ? null : CompileBlock(t.Handler);
                    var fin = t.Finally is null ? null : CompileBlock(t.Finally);
                    return new TryNode(t.Line, t.Column, body, handler, catchSlot, fin);
                }
            case DeleteStmt del:
                return del.Target switch
                {
                    MemberTarget m => new DeleteNode(del.Line, del.Column, CompileExpr(m.Object), null, m.Name),
                    IndexTarget ix => new DeleteNode(del.Line, del.Column, CompileExpr(ix.Object), CompileExpr(ix.Index), null),
                    _ => null,
                };
            default:
                problems.Add(new SyntaxProblem("SyntaxError", "unsupported statement", s.Line, s.Column));
                return null;
        }
    }

    private StmtNode CompileDeclaration(DeclareStmt d)
    {
        var value = d.Init is null ? new ConstNode(d.Line, d.Column, MlValue.Null) : CompileExpr(d.Init);
        switch (d.Target)
        {
            case NameTarget n:
                {
                    var b = n.Ref!.Binding!;
                    if (!b.IsGlobal && b.Owner == _function && !b.Captured) return new AssignLocalNode(d.Line, d.Column, b.Slot, value);
                    return new AssignVarNode(d.Line, d.Column, SlotFor(b), value);
                }
            case ArrayPattern ap:
                return new DestructureNode(d.Line, d.Column, true, ap.Names.Select(x => x.Name).ToArray(),
                    ap.Names.Select(x => (VarSlot?)SlotForDeclared(x)).ToArray(), value, declares: false);
            case ObjectPattern op:
                return new DestructureNode(d.Line, d.Column, false, op.Names.Select(x => x.Name).ToArray(),
                    op.Names.Select(x => (VarSlot?)SlotForDeclared(x)).ToArray(), value, declares: false);
            default:
                throw new InvalidOperationException("unexpected declaration target");
        }
    }

    // A declared variable's cell (if captured) was made fresh on block entry, so a declaration stores into it.
    private VarSlot SlotForDeclared(NameTarget t) => SlotFor(t.Ref!.Binding!);

    private StmtNode CompileAssignment(AssignStmt a)
    {
        switch (a.Target)
        {
            case NameTarget n:
                {
                    var b = n.Ref!.Binding!;
                    var value = CompileExpr(a.Value);
                    if (b.IsConstant) return new ConstAssignNode(a.Line, a.Column, b.Name, value);
                    if (a.Op is { } op)
                        return new CompoundVarAssignNode(a.Line, a.Column, SlotFor(b), op, value,
                            b.ReadNeedsCheck(!n.Ref.NeedsCheck), b.Kind == BindingKind.Implicit);
                    if (!b.IsGlobal && b.Owner == _function && !b.Captured) return new AssignLocalNode(a.Line, a.Column, b.Slot, value);
                    return new AssignVarNode(a.Line, a.Column, SlotFor(b), value);
                }
            case MemberTarget m:
                return new MemberAssignNode(a.Line, a.Column, CompileExpr(m.Object), m.Name, a.Op, CompileExpr(a.Value));
            case IndexTarget ix:
                return new IndexAssignNode(a.Line, a.Column, CompileExpr(ix.Object), CompileExpr(ix.Index), a.Op, CompileExpr(a.Value));
            case ArrayPattern ap:
                return new DestructureNode(a.Line, a.Column, true, ap.Names.Select(x => x.Name).ToArray(),
                    ap.Names.Select(x => x.Ref!.Binding!.IsConstant ? null : SlotFor(x.Ref.Binding)).ToArray(), CompileExpr(a.Value), declares: false);
            case ObjectPattern op:
                return new DestructureNode(a.Line, a.Column, false, op.Names.Select(x => x.Name).ToArray(),
                    op.Names.Select(x => x.Ref!.Binding!.IsConstant ? null : SlotFor(x.Ref.Binding)).ToArray(), CompileExpr(a.Value), declares: false);
            default:
                throw new InvalidOperationException("unexpected assignment target");
        }
    }

    // ---- expressions -------------------------------------------------------------------------

    private ExprNode[] CompileAll(List<Expr> exprs) => exprs.Select(CompileExpr).ToArray();

    private ExprNode CompileExpr(Expr e)
    {
        switch (e)
        {
            case LiteralExpr l:
                return new ConstNode(l.Line, l.Column, l.Value);
            case NameExpr n:
                return CompileRead(n);
            case ArrayExpr a:
                return new ArrayLiteralNode(a.Line, a.Column, CompileAll(a.Items));
            case ObjectExpr o:
                return new ObjectLiteralNode(o.Line, o.Column, o.Members.Select(m => (m.Key, CompileExpr(m.Value))).ToList());
            case MemberExpr m:
                return new MemberNode(m.Line, m.Column, CompileExpr(m.Target), string.Intern(m.Name));
            case IndexExpr ix:
                return new IndexNode(ix.Line, ix.Column, CompileExpr(ix.Target), CompileExpr(ix.Index));
            case SliceExpr sl:
                return new SliceNode(sl.Line, sl.Column, sl.Target is CallExpr sliced ? CompileCall(sliced, resultIsSliced: true) : CompileExpr(sl.Target),
                    sl.Start is null ? null : CompileExpr(sl.Start),
                    sl.End is null ? null : CompileExpr(sl.End),
                    sl.Step is null ? null : CompileExpr(sl.Step));
            case CallExpr c:
                return CompileCall(c, resultIsSliced: false);
            case NewExpr ne:
                return new NewNode(ne.Line, ne.Column, CompileExpr(ne.Callee), CompileAll(ne.Args));
            case UnaryExpr u:
                return u.Op == UnaryOp.Not
                    ? new NotNode(u.Line, u.Column, CompileExpr(u.Operand))
                    : NegateOrConstant(u);
            case BinaryExpr b:
                return CompileBinary(b);
            case LogicalExpr l:
                return l.IsAnd
                    ? new AndNode(l.Line, l.Column, CompileExpr(l.Left), CompileExpr(l.Right))
                    : new OrNode(l.Line, l.Column, CompileExpr(l.Left), CompileExpr(l.Right));
            case ConditionalExpr c:
                return new ConditionalNode(c.Line, c.Column, CompileExpr(c.Condition), CompileExpr(c.WhenTrue), CompileExpr(c.WhenFalse));
            case FunctionExpr f:
                return CompileFunction(f.Function);
            default:
                throw new InvalidOperationException("unexpected expression " + e.GetType().Name);
        }
    }

    /// <summary>A call; <paramref name="resultIsSliced"/> when a slice of its result follows (sorts may then defer their work).</summary>
    private ExprNode CompileCall(CallExpr c, bool resultIsSliced)
    {
        if (c.Callee is MemberExpr callee)
        {
            var target = callee.Name == "slice" && callee.Target is CallExpr sliced ? CompileCall(sliced, resultIsSliced: true) : CompileExpr(callee.Target);
            return new MethodCallNode(c.Line, c.Column, target, string.Intern(callee.Name), CompileAll(c.Args), Describe(callee.Target)) { ResultIsSliced = resultIsSliced };
        }
        return new CallNode(c.Line, c.Column, CompileExpr(c.Callee), CompileAll(c.Args), Describe(c.Callee)) { ResultIsSliced = resultIsSliced };
    }

        private ExprNode NegateOrConstant(UnaryExpr u)
    {
        // -5 and -2.5 are constants; keeps literal-heavy code (and -9223372036854775807) cheap.
        if (u.Operand is LiteralExpr { Value: var v } && (v.IsInt && v.AsInt != long.MinValue || v.IsDouble))
            return new ConstNode(u.Line, u.Column, v.IsInt ? MlValue.FromInt(-v.AsInt) : MlValue.FromDouble(-v.AsDouble));
        return new NegateNode(u.Line, u.Column, CompileExpr(u.Operand));
    }

    private ExprNode CompileBinary(BinaryExpr b)
    {
        var l = CompileExpr(b.Left);
        var r = CompileExpr(b.Right);
        return b.Op switch
        {
            BinaryOp.Add => new AddNode(b.Line, b.Column, l, r),
            BinaryOp.Subtract => new SubtractNode(b.Line, b.Column, l, r),
            BinaryOp.Multiply => new MultiplyNode(b.Line, b.Column, l, r),
            BinaryOp.Divide => new DivideNode(b.Line, b.Column, l, r),
            BinaryOp.Modulo => new ModuloNode(b.Line, b.Column, l, r),
            BinaryOp.Equal => new EqualNode(b.Line, b.Column, l, r, negate: false),
            BinaryOp.NotEqual => new EqualNode(b.Line, b.Column, l, r, negate: true),
            BinaryOp.Less => new CompareNode(b.Line, b.Column, l, r, Relation.Less),
            BinaryOp.LessEqual => new CompareNode(b.Line, b.Column, l, r, Relation.LessEqual),
            BinaryOp.Greater => new CompareNode(b.Line, b.Column, l, r, Relation.Greater),
            _ => new CompareNode(b.Line, b.Column, l, r, Relation.GreaterEqual),
        };
    }

    private ExprNode CompileRead(NameExpr n)
    {
        var r = n.Ref!;
        if (r.Binding is not { } b)
        {
            return r.IsBuiltin ? new ConstNode(n.Line, n.Column, r.BuiltinValue) : new UnboundNameNode(n.Line, n.Column, n.Name);
        }
        bool check = b.ReadNeedsCheck(!r.NeedsCheck);
        bool isImplicit = b.Kind == BindingKind.Implicit;
        if (b.IsGlobal) return new GlobalGetNode(n.Line, n.Column, b.Name, b.Slot, check, isImplicit);
        if (b.Owner == _function)
        {
            if (b.Captured) return new CellGetNode(n.Line, n.Column, new CellSlot(b.Name, b.Slot), b.Slot, check);
            return check ? new VarGetNode(n.Line, n.Column, new LocalSlot(b.Name, b.Slot), true, isImplicit) : new LocalGetNode(n.Line, n.Column, b.Slot);
        }
        return new UpvalueGetNode(n.Line, n.Column, b.Name, _function.UpvalueIndex(b), check, isImplicit);
    }

    /// <summary>Source-like text of a callee for "… is not a function" messages.</summary>
    private static string Describe(Expr e) => e switch
    {
        NameExpr n => n.Name,
        MemberExpr m => Describe(m.Target) + "." + m.Name,
        IndexExpr ix => Describe(ix.Target) + "[…]",
        CallExpr c => Describe(c.Callee) + "(…)",
        LiteralExpr l => MlFormat.Str(l.Value),
        _ => "expression",
    };
}
