using MlDb.Language.Builtins;
using MlDb.Language.Syntax;

namespace MlDb.Language.Compiler;

/// <summary>
/// Binds every name to a variable before anything runs (spec §3.3–§3.4). Pass one creates the
/// scopes and their explicit declarations (let, const, parameters, function declarations, loop
/// and except variables, imports); pass two walks the code in source order, works out each
/// function's implicit locals from its plain assignments, and resolves every read and write:
/// to a frame slot, a captured cell, a top-level cell or a builtin.
/// </summary>
internal sealed class Resolver(List<SyntaxProblem> problems)
{
    private int _globalCount;

    public int GlobalCount => _globalCount;

    public FunctionScope Resolve(ProgramNode program)
    {
        var top = new FunctionScope(null, null, "<top>");
        var body = new BlockScope(null, top, isFunctionBody: true);
        top.Body = body;
        program.Scope = top;
        program.TopBlock = body;
        DeclareStatements(program.Statements, body);
        ResolveFunctionBody(top, program.Statements, null);
        return top;
    }

    private void Error(int line, int column, string message) =>
        problems.Add(new SyntaxProblem("SyntaxError", message, line, column));

    // ======================================================================================
    // Pass one: scopes and explicit declarations
    // ======================================================================================

    private Binding Declare(BlockScope scope, string name, BindingKind kind, int line, int column)
    {
        if (scope.Names.TryGetValue(name, out var existing))
        {
            if (kind == BindingKind.Import && existing.Kind == BindingKind.Import) return existing;
            Error(line, column, $"'{name}' is already declared in this scope (at line {existing.Line}, column {existing.Column})");
            return existing;
        }
        var b = new Binding(name, kind, scope.Function, line, column);
        if (scope.Function.IsTop && scope.IsFunctionBody)
        {
            b.IsGlobal = true;
            b.Slot = _globalCount++;
        }
        else
        {
            b.Slot = scope.Function.AllocateSlot();
        }
        scope.Names.Add(name, b);
        scope.Declared.Add(b);
        return b;
    }

    private BlockScope NewBlock(BlockStmt block, BlockScope parent)
    {
        var scope = new BlockScope(parent, parent.Function, isFunctionBody: false);
        block.Scope = scope;
        DeclareStatements(block.Statements, scope);
        return scope;
    }

    private void DeclareStatements(List<Stmt> statements, BlockScope scope)
    {
        foreach (var s in statements) DeclareStatement(s, scope);
    }

    private void DeclareStatement(Stmt s, BlockScope scope)
    {
        switch (s)
        {
            case DeclareStmt d:
                if (d.Init is not null) DeclareIn(d.Init, scope);
                foreach (var t in NamesOf(d.Target))
                    Declare(scope, t.Name, d.IsConst ? BindingKind.Const : BindingKind.Let, t.Line, t.Column);
                break;
            case FunctionDeclStmt f:
                Declare(scope, f.Function.Name!, BindingKind.Function, f.Function.Line, f.Function.Column);
                scope.HoistedFunctions.Add(f);
                DeclareFunction(f.Function, scope);
                break;
            case AssignStmt a:
                DeclareTargetExprs(a.Target, scope);
                foreach (var t in NamesOf(a.Target)) scope.Function.AssignedNames.Add((t, scope));
                DeclareIn(a.Value, scope);
                break;
            case ExprStmt e:
                DeclareIn(e.Expr, scope);
                break;
            case IfStmt i:
                foreach (var (cond, body) in i.Branches)
                {
                    DeclareIn(cond, scope);
                    NewBlock(body, scope);
                }
                if (i.Else is not null) NewBlock(i.Else, scope);
                break;
            case WhileStmt w:
                DeclareIn(w.Condition, scope);
                NewBlock(w.Body, scope);
                break;
            case ForInStmt f:
                DeclareIn(f.Iterable, scope);
                if (f.Declares)
                {
                    var header = new BlockScope(scope, scope.Function, isFunctionBody: false);
                    f.HeaderScope = header;
                    Declare(header, f.Variable.Name, f.IsConst ? BindingKind.Const : BindingKind.LoopVariable, f.Variable.Line, f.Variable.Column);
                    NewBlock(f.Body, header);
                }
                else
                {
                    scope.Function.AssignedNames.Add((f.Variable, scope));
                    NewBlock(f.Body, scope);
                }
                break;
            case TryStmt t:
                NewBlock(t.Body, scope);
                if (t.Handler is not null)
                {
                    var handlerScope = new BlockScope(scope, scope.Function, isFunctionBody: false);
                    t.HandlerScope = handlerScope;
                    if (t.CatchVariable is { } v) Declare(handlerScope, v.Name, BindingKind.CatchVariable, v.Line, v.Column);
                    NewBlock(t.Handler, handlerScope);
                }
                if (t.Finally is not null) NewBlock(t.Finally, scope);
                break;
            case ReturnStmt r:
                if (r.Value is not null) DeclareIn(r.Value, scope);
                break;
            case ThrowStmt th:
                DeclareIn(th.Value, scope);
                break;
            case NonlocalStmt n:
                foreach (var (name, line, column) in n.Names)
                    scope.Function.Nonlocals.TryAdd(name, (line, column));
                break;
            case ImportStmt im:
                Declare(scope, im.Alias, BindingKind.Import, im.AliasLine, im.AliasColumn);
                break;
            case DeleteStmt del:
                DeclareTargetExprs(del.Target, scope);
                break;
        }
    }

    private static IEnumerable<NameTarget> NamesOf(Target t) => t switch
    {
        NameTarget n => [n],
        ArrayPattern a => a.Names,
        ObjectPattern o => o.Names,
        _ => [],
    };

    private void DeclareTargetExprs(Target t, BlockScope scope)
    {
        switch (t)
        {
            case MemberTarget m:
                DeclareIn(m.Object, scope);
                break;
            case IndexTarget ix:
                DeclareIn(ix.Object, scope);
                DeclareIn(ix.Index, scope);
                break;
        }
    }

    private void DeclareFunction(FunctionNode fn, BlockScope definitionScope)
    {
        var fs = new FunctionScope(definitionScope.Function, fn, fn.Name ?? "anonymous") { DefinitionScope = definitionScope };
        fn.Scope = fs;
        var body = new BlockScope(definitionScope, fs, isFunctionBody: true);
        fs.Body = body;
        foreach (var (name, line, column) in fn.Parameters)
            fs.Parameters.Add(Declare(body, name, BindingKind.Parameter, line, column));
        if (fn.IsExpression && fn.Name is not null)
            fs.SelfBinding = new Binding(fn.Name, BindingKind.SelfName, fs, fn.Line, fn.Column) { Slot = fs.AllocateSlot() };
        if (fn.Body is not null)
        {
            fn.Body.Scope = body;
            DeclareStatements(fn.Body.Statements, body);
        }
        else if (fn.ExpressionBody is not null)
        {
            DeclareIn(fn.ExpressionBody, body);
        }
    }

    /// <summary>Finds the function expressions inside an expression and creates their scopes.</summary>
    private void DeclareIn(Expr e, BlockScope scope)
    {
        if (e is FunctionExpr f)
        {
            DeclareFunction(f.Function, scope);
            return;
        }
        foreach (var child in e.Children()) DeclareIn(child, scope);
    }

    // ======================================================================================
    // Pass two: resolution
    // ======================================================================================

    private void ResolveFunctionBody(FunctionScope fs, List<Stmt>? statements, Expr? expressionBody)
    {
        // Implicit locals first: a read before the assignment must already see them.
        foreach (var (target, scope) in fs.AssignedNames)
        {
            if (FindForAssignment(target.Name, scope, fs) is not null) continue;
            if (fs.Implicits.ContainsKey(target.Name)) continue;
            var b = new Binding(target.Name, BindingKind.Implicit, fs, target.Line, target.Column);
            if (fs.IsTop)
            {
                b.IsGlobal = true;
                b.Slot = _globalCount++;
            }
            else
            {
                b.Slot = fs.AllocateSlot();
            }
            fs.Implicits.Add(target.Name, b);
            fs.ImplicitOrder.Add(b);
        }
        foreach (var (name, (line, column)) in fs.Nonlocals)
        {
            if (fs.Body.Names.ContainsKey(name))
            {
                Error(line, column, $"'{name}' is declared in this function, so it cannot also be nonlocal");
                continue;
            }
            if (FindOuter(fs.DefinitionScope, name, includeImplicit: true) is null)
                Error(line, column, $"no binding for nonlocal '{name}' in an enclosing function or at the top level");
        }

        if (statements is not null) ResolveStatements(statements, fs.Body);
        if (expressionBody is not null) ResolveExpr(expressionBody, fs.Body);
    }

    /// <summary>Rules 1–3 of spec §3.4 (rule 4, the implicit local, is the caller's fallback).</summary>
    private static Binding? FindForAssignment(string name, BlockScope scope, FunctionScope fs)
    {
        for (var b = scope; b is not null && b.Function == fs; b = b.Parent)
            if (b.Names.TryGetValue(name, out var found)) return found;
        if (fs.Nonlocals.ContainsKey(name)) return FindOuter(fs.DefinitionScope, name, includeImplicit: true);
        return FindOuter(fs.DefinitionScope, name, includeImplicit: false);
    }

    private static Binding? FindOuter(BlockScope? start, string name, bool includeImplicit)
    {
        for (var b = start; b is not null; b = b.Parent)
        {
            if (b.Names.TryGetValue(name, out var found)) return found;
            if (b.IsFunctionBody)
            {
                if (includeImplicit && b.Function.Implicits.TryGetValue(name, out found)) return found;
                if (b.Function.SelfBinding is { } self && self.Name == name) return self;
            }
        }
        return null;
    }

    private VariableRef ResolveRead(string name, int line, int column, BlockScope scope)
    {
        var r = new VariableRef(name, line, column);
        Binding? found = null;
        for (var b = scope; b is not null && found is null; b = b.Parent)
        {
            if (b.Names.TryGetValue(name, out var byName)) { found = byName; break; }
            if (b.IsFunctionBody)
            {
                var f = b.Function;
                if (f.Implicits.TryGetValue(name, out var implicitB)) found = implicitB;
                else if (f.SelfBinding is { } self && self.Name == name) found = self;
            }
        }
        if (found is not null)
        {
            Use(r, found, scope.Function);
            return r;
        }
        if (BuiltinRegistry.TryGetGlobal(name, out var builtin))
        {
            r.IsBuiltin = true;
            r.BuiltinValue = builtin;
        }
        return r; // unbound: a ReferenceError when it runs
    }

    private void Use(VariableRef r, Binding b, FunctionScope current)
    {
        r.Binding = b;
        if (!b.IsGlobal && b.Owner != current)
        {
            b.Captured = true;
            for (var f = current; f is not null && f != b.Owner; f = f.Parent) f.UpvalueIndex(b);
        }
        bool sameFunctionAfterDeclaration = b.Owner == current && b.DeclarationPassed;
        if (b.Owner == current && !b.DeclarationPassed && b.Kind is BindingKind.Let or BindingKind.Const)
            b.NeedsTdzReset = true;
        r.NeedsCheck = !sameFunctionAfterDeclaration;
    }

    private VariableRef ResolveWrite(NameTarget t, BlockScope scope)
    {
        var fs = scope.Function;
        var b = FindForAssignment(t.Name, scope, fs) ?? fs.Implicits[t.Name];
        var r = new VariableRef(t.Name, t.Line, t.Column);
        Use(r, b, fs);
        t.Ref = r;
        return r;
    }

    private VariableRef DeclareHere(NameTarget t, BlockScope scope)
    {
        var b = scope.Names[t.Name];
        var r = new VariableRef(t.Name, t.Line, t.Column);
        b.DeclarationPassed = true;
        Use(r, b, scope.Function);
        t.Ref = r;
        return r;
    }

    private void ResolveStatements(List<Stmt> statements, BlockScope scope)
    {
        foreach (var f in scope.HoistedFunctions)
        {
            var b = scope.Names[f.Function.Name!];
            b.DeclarationPassed = true;
        }
        foreach (var s in statements) ResolveStatement(s, scope);
    }

    private void ResolveStatement(Stmt s, BlockScope scope)
    {
        switch (s)
        {
            case DeclareStmt d:
                if (d.Init is not null) ResolveExpr(d.Init, scope);
                foreach (var t in NamesOf(d.Target)) DeclareHere(t, scope);
                break;
            case FunctionDeclStmt f:
                {
                    var r = new VariableRef(f.Function.Name!, f.Line, f.Column);
                    Use(r, scope.Names[f.Function.Name!], scope.Function);
                    f.Ref = r;
                    ResolveFunctionBody(f.Function.Scope!, f.Function.Body!.Statements, null);
                    break;
                }
            case AssignStmt a:
                ResolveTargetExprs(a.Target, scope);
                ResolveExpr(a.Value, scope);
                foreach (var t in NamesOf(a.Target)) ResolveWrite(t, scope);
                break;
            case ExprStmt e:
                ResolveExpr(e.Expr, scope);
                break;
            case IfStmt i:
                foreach (var (cond, body) in i.Branches)
                {
                    ResolveExpr(cond, scope);
                    ResolveStatements(body.Statements, body.Scope!);
                }
                if (i.Else is not null) ResolveStatements(i.Else.Statements, i.Else.Scope!);
                break;
            case WhileStmt w:
                ResolveExpr(w.Condition, scope);
                ResolveStatements(w.Body.Statements, w.Body.Scope!);
                break;
            case ForInStmt f:
                ResolveExpr(f.Iterable, scope);
                if (f.Declares) DeclareHere(f.Variable, f.HeaderScope!);
                else ResolveWrite(f.Variable, scope);
                ResolveStatements(f.Body.Statements, f.Body.Scope!);
                break;
            case TryStmt t:
                ResolveStatements(t.Body.Statements, t.Body.Scope!);
                if (t.Handler is not null)
                {
                    if (t.CatchVariable is { } v) DeclareHere(v, t.HandlerScope!);
                    ResolveStatements(t.Handler.Statements, t.Handler.Scope!);
                }
                if (t.Finally is not null) ResolveStatements(t.Finally.Statements, t.Finally.Scope!);
                break;
            case ReturnStmt r:
                if (r.Value is not null) ResolveExpr(r.Value, scope);
                break;
            case ThrowStmt th:
                ResolveExpr(th.Value, scope);
                break;
            case ImportStmt im:
                {
                    var b = scope.Names[im.Alias];
                    b.DeclarationPassed = true;
                    var r = new VariableRef(im.Alias, im.AliasLine, im.AliasColumn);
                    Use(r, b, scope.Function);
                    im.Ref = r;
                    break;
                }
            case DeleteStmt del:
                ResolveTargetExprs(del.Target, scope);
                break;
        }
    }

    private void ResolveTargetExprs(Target t, BlockScope scope)
    {
        switch (t)
        {
            case MemberTarget m:
                ResolveExpr(m.Object, scope);
                break;
            case IndexTarget ix:
                ResolveExpr(ix.Object, scope);
                ResolveExpr(ix.Index, scope);
                break;
        }
    }

    private void ResolveExpr(Expr e, BlockScope scope)
    {
        switch (e)
        {
            case NameExpr n:
                n.Ref = ResolveRead(n.Name, n.Line, n.Column, scope);
                break;
            case FunctionExpr f:
                ResolveFunctionBody(f.Function.Scope!, f.Function.Body?.Statements, f.Function.ExpressionBody);
                break;
            default:
                foreach (var child in e.Children()) ResolveExpr(child, scope);
                break;
        }
    }
}
