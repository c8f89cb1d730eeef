using System.Collections;
using System.Reflection;
using FlowForensics.Flows;
using Xunit;

namespace FlowForensics.Tests.Differential;

/// <summary>Field-by-field equality of two flow records over every public readable property.</summary>
internal static class FlowAssert
{
    private static readonly PropertyInfo[] Properties = typeof(FlowRecord)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.CanRead && p.GetIndexParameters().Length == 0)
        .ToArray();

    /// <param name="except">Property names not compared (e.g. ExporterId, which a writer assigns anew).</param>
    public static void Same(FlowRecord expected, FlowRecord actual, string where, params string[] except)
    {
        foreach (var p in Properties)
        {
            if (except.Contains(p.Name)) continue;
            object? a = p.GetValue(expected), b = p.GetValue(actual);
            bool equal = a is IEnumerable ea && a is not string && b is IEnumerable eb
                ? ea.Cast<object>().SequenceEqual(eb.Cast<object>())
                : Equals(a, b);
            Assert.True(equal, $"{where}: {p.Name} expected {a ?? "null"}, got {b ?? "null"}");
        }
    }
}
