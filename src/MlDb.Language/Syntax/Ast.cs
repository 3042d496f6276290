using MlDb.Language.Compiler;

namespace MlDb.Language.Syntax;

// The syntax tree. Positions are those of the token that best names each construct in an error
// report: the operator of a binary expression, the property name of a member access, the name
// of the called function, the keyword of a statement. The resolver fills in the binding fields.

internal abstract class AstNode(int line, int column)
{
    public readonly int Line = line;
    public readonly int Column = column;
}

// ---- expressions ------------------------------------------------------------------------------

internal abstract class Expr(int line, int column) : AstNode(line, column)
{
    /// <summary>The sub-expressions, left to right (a function expression's body is not one of them).</summary>
    public IEnumerable<Expr> Children() => this switch
    {
        ArrayExpr a => a.Items,
        ObjectExpr o => o.Members.Select(m => m.Value),
        MemberExpr m => [m.Target],
        IndexExpr ix => [ix.Target, ix.Index],
        SliceExpr sl => new[] { sl.Target, sl.Start, sl.End, sl.Step }.OfType<Expr>(),
        CallExpr c => [c.Callee, .. c.Args],
        NewExpr n => [n.Callee, .. n.Args],
        UnaryExpr u => [u.Operand],
        BinaryExpr b => [b.Left, b.Right],
        LogicalExpr l => [l.Left, l.Right],
        ConditionalExpr c => [c.Condition, c.WhenTrue, c.WhenFalse],
        _ => [],
    };
}

internal sealed class LiteralExpr(int line, int column, MlValue value) : Expr(line, column)
{
    public readonly MlValue Value = value;
}

internal sealed class NameExpr(int line, int column, string name) : Expr(line, column)
{
    public readonly string Name = name;
    public VariableRef? Ref;
}

internal sealed class ArrayExpr(int line, int column, List<Expr> items) : Expr(line, column)
{
    public readonly List<Expr> Items = items;
}

internal sealed class ObjectExpr(int line, int column, List<(string Key, Expr Value)> members) : Expr(line, column)
{
    public readonly List<(string Key, Expr Value)> Members = members;
}

internal sealed class MemberExpr(int line, int column, Expr target, string name) : Expr(line, column)
{
    public readonly Expr Target = target;
    public readonly string Name = name;
}

internal sealed class IndexExpr(int line, int column, Expr target, Expr index) : Expr(line, column)
{
    public readonly Expr Target = target;
    public readonly Expr Index = index;
}

internal sealed class SliceExpr(int line, int column, Expr target, Expr? start, Expr? end, Expr? step) : Expr(line, column)
{
    public readonly Expr Target = target;
    public readonly Expr? Start = start;
    public readonly Expr? End = end;
    public readonly Expr? Step = step;
}

internal sealed class CallExpr(int line, int column, Expr callee, List<Expr> args) : Expr(line, column)
{
    public readonly Expr Callee = callee;
    public readonly List<Expr> Args = args;
}

internal sealed class NewExpr(int line, int column, Expr callee, List<Expr> args) : Expr(line, column)
{
    public readonly Expr Callee = callee;
    public readonly List<Expr> Args = args;
}

internal enum UnaryOp { Not, Negate }

internal sealed class UnaryExpr(int line, int column, UnaryOp op, Expr operand) : Expr(line, column)
{
    public readonly UnaryOp Op = op;
    public readonly Expr Operand = operand;
}

internal enum BinaryOp { Add, Subtract, Multiply, Divide, Modulo, Equal, NotEqual, Less, LessEqual, Greater, GreaterEqual }

internal sealed class BinaryExpr(int line, int column, BinaryOp op, Expr left, Expr right) : Expr(line, column)
{
    public readonly BinaryOp Op = op;
    public readonly Expr Left = left;
    public readonly Expr Right = right;
}

internal sealed class LogicalExpr(int line, int column, bool isAnd, Expr left, Expr right) : Expr(line, column)
{
    public readonly bool IsAnd = isAnd;
    public readonly Expr Left = left;
    public readonly Expr Right = right;
}

internal sealed class ConditionalExpr(int line, int column, Expr condition, Expr whenTrue, Expr whenFalse) : Expr(line, column)
{
    public readonly Expr Condition = condition;
    public readonly Expr WhenTrue = whenTrue;
    public readonly Expr WhenFalse = whenFalse;
}

internal sealed class FunctionExpr(int line, int column, FunctionNode function) : Expr(line, column)
{
    public readonly FunctionNode Function = function;
}

/// <summary>A function declaration, function expression or <c>fn</c> arrow.</summary>
internal sealed class FunctionNode(int line, int column, string? name, List<(string Name, int Line, int Column)> parameters, BlockStmt? body, Expr? expressionBody)
{
    public readonly int Line = line;
    public readonly int Column = column;
    public readonly string? Name = name;
    public readonly List<(string Name, int Line, int Column)> Parameters = parameters;
    public readonly BlockStmt? Body = body;
    /// <summary>The expression of <c>fn(a) => expr</c>.</summary>
    public readonly Expr? ExpressionBody = expressionBody;
    /// <summary>True for a named function expression (its name is bound inside its own body only).</summary>
    public bool IsExpression;
    public FunctionScope? Scope;
}

// ---- statements -------------------------------------------------------------------------------

internal abstract class Stmt(int line, int column) : AstNode(line, column);

internal sealed class BlockStmt(int line, int column, List<Stmt> statements) : Stmt(line, column)
{
    public readonly List<Stmt> Statements = statements;
    public BlockScope? Scope;
}

/// <summary>The target of a declaration or assignment: a name, a member, an index, or a destructuring pattern.</summary>
internal abstract class Target(int line, int column) : AstNode(line, column);

internal sealed class NameTarget(int line, int column, string name) : Target(line, column)
{
    public readonly string Name = name;
    public VariableRef? Ref;
}

internal sealed class MemberTarget(int line, int column, Expr obj, string name) : Target(line, column)
{
    public readonly Expr Object = obj;
    public readonly string Name = name;
}

internal sealed class IndexTarget(int line, int column, Expr obj, Expr index) : Target(line, column)
{
    public readonly Expr Object = obj;
    public readonly Expr Index = index;
}

internal sealed class ArrayPattern(int line, int column, List<NameTarget> names) : Target(line, column)
{
    public readonly List<NameTarget> Names = names;
}

internal sealed class ObjectPattern(int line, int column, List<NameTarget> names) : Target(line, column)
{
    public readonly List<NameTarget> Names = names;
}

internal sealed class DeclareStmt(int line, int column, bool isConst, Target target, Expr? init) : Stmt(line, column)
{
    public readonly bool IsConst = isConst;
    public readonly Target Target = target;
    public readonly Expr? Init = init;
}

internal sealed class AssignStmt(int line, int column, Target target, BinaryOp? op, Expr value) : Stmt(line, column)
{
    public readonly Target Target = target;
    /// <summary>The operator of <c>+=</c> and friends; null for plain <c>=</c>.</summary>
    public readonly BinaryOp? Op = op;
    public readonly Expr Value = value;
}

internal sealed class ExprStmt(int line, int column, Expr expr) : Stmt(line, column)
{
    public readonly Expr Expr = expr;
}

internal sealed class FunctionDeclStmt(int line, int column, FunctionNode function) : Stmt(line, column)
{
    public readonly FunctionNode Function = function;
    public VariableRef? Ref;
}

internal sealed class IfStmt(int line, int column, List<(Expr Condition, BlockStmt Body)> branches, BlockStmt? elseBody) : Stmt(line, column)
{
    public readonly List<(Expr Condition, BlockStmt Body)> Branches = branches;
    public readonly BlockStmt? Else = elseBody;
}

internal sealed class WhileStmt(int line, int column, Expr condition, BlockStmt body) : Stmt(line, column)
{
    public readonly Expr Condition = condition;
    public readonly BlockStmt Body = body;
}

internal sealed class ForInStmt(int line, int column, bool declares, bool isConst, NameTarget variable, Expr iterable, BlockStmt body) : Stmt(line, column)
{
    /// <summary>True for <c>for (let x in …)</c>: a fresh binding per iteration.</summary>
    public readonly bool Declares = declares;
    public readonly bool IsConst = isConst;
    public readonly NameTarget Variable = variable;
    public readonly Expr Iterable = iterable;
    public readonly BlockStmt Body = body;
    /// <summary>The scope holding the loop variable of a declaring loop.</summary>
    public BlockScope? HeaderScope;
}

internal sealed class BreakStmt(int line, int column) : Stmt(line, column);

internal sealed class ContinueStmt(int line, int column) : Stmt(line, column);

internal sealed class ReturnStmt(int line, int column, Expr? value) : Stmt(line, column)
{
    public readonly Expr? Value = value;
}

internal sealed class ThrowStmt(int line, int column, Expr value) : Stmt(line, column)
{
    public readonly Expr Value = value;
}

internal sealed class TryStmt(int line, int column, BlockStmt body, bool hasHandler, NameTarget? catchVariable, BlockStmt? handler, BlockStmt? finallyBlock) : Stmt(line, column)
{
    public readonly BlockStmt Body = body;
    public readonly bool HasHandler = hasHandler;
    public readonly NameTarget? CatchVariable = catchVariable;
    public readonly BlockStmt? Handler = handler;
    public readonly BlockStmt? Finally = finallyBlock;
    /// <summary>The scope holding the except variable.</summary>
    public BlockScope? HandlerScope;
}

internal sealed class NonlocalStmt(int line, int column, List<(string Name, int Line, int Column)> names) : Stmt(line, column)
{
    public readonly List<(string Name, int Line, int Column)> Names = names;
}

internal sealed class ImportStmt(int line, int column, string module, string alias, int aliasLine, int aliasColumn) : Stmt(line, column)
{
    public readonly string Module = module;
    public readonly string Alias = alias;
    public readonly int AliasLine = aliasLine;
    public readonly int AliasColumn = aliasColumn;
    public VariableRef? Ref;
}

internal sealed class DeleteStmt(int line, int column, Target target) : Stmt(line, column)
{
    public readonly Target Target = target;
}

internal sealed class EmptyStmt(int line, int column) : Stmt(line, column);

internal sealed class ProgramNode(List<Stmt> statements)
{
    public readonly List<Stmt> Statements = statements;
    public FunctionScope? Scope;
    public BlockScope? TopBlock;
}
