using MlDb.Language.Syntax;

namespace MlDb.Language.Compiler;

internal enum BindingKind
{
    Let,
    Const,
    Parameter,
    Function,
    Implicit,
    CatchVariable,
    LoopVariable,
    SelfName,
    Import,
}

/// <summary>One variable: where it lives at run time and what the resolver learned about it.</summary>
internal sealed class Binding(string name, BindingKind kind, FunctionScope owner, int line, int column)
{
    public readonly string Name = name;
    public readonly BindingKind Kind = kind;
    public readonly FunctionScope Owner = owner;
    public readonly int Line = line;
    public readonly int Column = column;

    /// <summary>A top-level variable: lives in the script's global cells, index <see cref="Slot"/>.</summary>
    public bool IsGlobal;
    /// <summary>Frame slot (or global index when <see cref="IsGlobal"/>).</summary>
    public int Slot = -1;
    /// <summary>Referenced from a nested function: the slot holds a <c>Cell</c>.</summary>
    public bool Captured;
    /// <summary>Some use may run before the declaration: the slot is reset when its block is entered.</summary>
    public bool NeedsTdzReset;
    /// <summary>Set while resolving once the declaration has been passed (source order).</summary>
    public bool DeclarationPassed;

    public bool IsConstant => Kind is BindingKind.Const or BindingKind.Import or BindingKind.SelfName;

    /// <summary>Whether a read must check for "not yet initialised / assigned".</summary>
    public bool ReadNeedsCheck(bool sameFunctionAfterDeclaration) => Kind switch
    {
        BindingKind.Parameter or BindingKind.Function or BindingKind.CatchVariable or BindingKind.LoopVariable
            or BindingKind.SelfName or BindingKind.Import => false,
        BindingKind.Implicit => true,
        _ => IsGlobal || Captured || !sameFunctionAfterDeclaration,
    };
}

/// <summary>A name as resolved at one place in the code.</summary>
internal sealed class VariableRef(string name, int line, int column)
{
    public readonly string Name = name;
    public readonly int Line = line;
    public readonly int Column = column;
    /// <summary>The binding, or null for a builtin or an unbound name.</summary>
    public Binding? Binding;
    public bool IsBuiltin;
    public MlValue BuiltinValue;
    /// <summary>For reads: the read can run before the variable is initialised (checked at run time).</summary>
    public bool NeedsCheck;
}

/// <summary>A <c>{…}</c> block (or a loop header / except handler scope) and its declarations.</summary>
internal sealed class BlockScope(BlockScope? parent, FunctionScope function, bool isFunctionBody)
{
    public readonly BlockScope? Parent = parent;
    public readonly FunctionScope Function = function;
    public readonly bool IsFunctionBody = isFunctionBody;
    public readonly Dictionary<string, Binding> Names = new(StringComparer.Ordinal);
    public readonly List<Binding> Declared = [];
    public readonly List<FunctionDeclStmt> HoistedFunctions = [];
}

/// <summary>A function (or the top level, "&lt;top&gt;") and its frame layout.</summary>
internal sealed class FunctionScope(FunctionScope? parent, FunctionNode? node, string name)
{
    public readonly FunctionScope? Parent = parent;
    public readonly FunctionNode? Node = node;
    public readonly string Name = name;
    public bool IsTop => Node is null;

    /// <summary>The block the function is defined in (outer scope of its body); null for the top level.</summary>
    public BlockScope? DefinitionScope;
    public BlockScope Body = null!;
    public readonly List<Binding> Parameters = [];
    public Binding? SelfBinding;
    public readonly Dictionary<string, Binding> Implicits = new(StringComparer.Ordinal);
    public readonly List<Binding> ImplicitOrder = [];
    public readonly Dictionary<string, (int Line, int Column)> Nonlocals = new(StringComparer.Ordinal);
    /// <summary>Plain-name assignment targets directly in this function, with their block (for implicit locals).</summary>
    public readonly List<(NameTarget Target, BlockScope Scope)> AssignedNames = [];
    public readonly List<Binding> Upvalues = [];
    private readonly Dictionary<Binding, int> _upvalueIndex = [];
    public int SlotCount;

    public int AllocateSlot() => SlotCount++;

    public int UpvalueIndex(Binding b)
    {
        if (_upvalueIndex.TryGetValue(b, out int i)) return i;
        i = Upvalues.Count;
        Upvalues.Add(b);
        _upvalueIndex.Add(b, i);
        return i;
    }
}
