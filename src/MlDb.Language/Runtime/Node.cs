namespace MlDb.Language.Runtime;

/// <summary>Anything in prepared code that has a source position.</summary>
internal abstract class Node(int line, int column)
{
    public readonly int Line = line;
    public readonly int Column = column;
}
