using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Management.Automation.Runspaces;

namespace MlDb.PowerShell;

/// <summary>
/// <c>-Connection</c>: a connection name (string) or the object <c>Connect-MlDatabase -PassThru</c>
/// or <c>Get-MlConnection</c> returned. Leaves an <see cref="MlConnectionInfo"/> or a name; the
/// cmdlet looks names up (with the MlDb.ConnectionNotFound error when there is none).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class MlConnectionTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject pso ? pso.BaseObject : inputData;
        return value switch
        {
            null => null,
            MlConnectionInfo info => info,
            string name when name.Length > 0 => name,
            _ => throw new ArgumentTransformationMetadataException(
                $"-Connection takes a connection name or an object from Connect-MlDatabase -PassThru / Get-MlConnection, not a {value.GetType().Name}."),
        };
    }
}

/// <summary>
/// <c>-Script</c>: a compiled script (<c>Import-MlScript</c>), a path to a <c>.ml</c> file, or a
/// FileInfo. Leaves an <see cref="MlScriptInfo"/> or a path string; the cmdlet resolves paths
/// (current location, PowerShell drives) and compiles through the cache.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class MlScriptTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject pso ? pso.BaseObject : inputData;
        return value switch
        {
            null => null,
            MlScriptInfo script => script,
            FileInfo file => file.FullName,
            string path when path.Length > 0 => path,
            _ => throw new ArgumentTransformationMetadataException(
                $"-Script takes a compiled script from Import-MlScript or the path of a .ml file, not a {value.GetType().Name}."),
        };
    }
}

/// <summary>
/// <c>-Filter</c>: a dictionary, a PSCustomObject or a JSON object text; other values are refused
/// at binding time.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class MlFilterTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject { BaseObject: not PSCustomObject } pso ? pso.BaseObject : inputData;
        return value switch
        {
            null => null,
            IDictionary => value,
            PSObject => value,
            string text when text.TrimStart().StartsWith('{') => text,
            _ => throw new ArgumentTransformationMetadataException(
                "-Filter takes a hashtable (or other dictionary), a PSCustomObject, or a JSON object text such as '{\"status\": \"open\"}'."),
        };
    }
}

/// <summary>Completes <c>-Connection</c> with the names registered in this session.</summary>
public sealed class MlConnectionNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = WildcardPattern.Get(wordToComplete.Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        foreach (var info in ConnectionRegistry.Current.All())
        {
            if (!pattern.IsMatch(info.Name)) continue;
            yield return new CompletionResult(Quote(info.Name), info.Name, CompletionResultType.ParameterValue, $"{info.Provider}: {info.ConnectionString}");
        }
    }

    internal static string Quote(string text) =>
        text.All(c => char.IsLetterOrDigit(c) || c is '_' or '-' or '.') ? text : "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
}

/// <summary>Completes <c>-Function</c>, <c>-ParameterFunction</c> and <c>-BatchFunction</c> with the functions of the <c>-Script</c> given (object or path).</summary>
public sealed class MlFunctionNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var results = new List<CompletionResult>();
        try
        {
            var script = fakeBoundParameters.Contains("Script") ? fakeBoundParameters["Script"] : null;
            if (script is PSObject pso) script = pso.BaseObject;
            MlScriptInfo? info = script switch
            {
                MlScriptInfo s => s,
                FileInfo f => ScriptCache.Get(f.FullName),
                string path when path.Length > 0 => ScriptCache.Get(ResolvePath(path)),
                _ => null,
            };
            if (info is null) return results;
            var pattern = WildcardPattern.Get(wordToComplete.Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
            foreach (var function in info.Functions)
            {
                if (pattern.IsMatch(function))
                    results.Add(new CompletionResult(function, function, CompletionResultType.ParameterValue, $"{function} ({info.Name})"));
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // a script that does not compile (or a path that does not exist) completes nothing
        }
        return results;
    }

    private static string ResolvePath(string path)
    {
        if (Runspace.DefaultRunspace is { } runspace)
        {
            try
            {
                return runspace.SessionStateProxy.Path.GetUnresolvedProviderPathFromPSPath(path);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // fall back to the process's current directory
            }
        }
        return Path.GetFullPath(path);
    }
}
