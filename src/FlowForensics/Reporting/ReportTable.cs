using System.Collections.Concurrent;
using System.Reflection;

namespace FlowForensics.Reporting;

/// <summary>
/// One sheet's rows: a header of <see cref="ReportColumn"/>s and rows of cell values (see <see cref="ReportColumn.Normalize"/>).
/// Holds at most <see cref="MaxRows"/> rows; rows offered past that are counted in <see cref="OfferedRows"/> and
/// the summary says how many were left out.
/// </summary>
public sealed class ReportTable
{
    private readonly List<object?[]> _rows = [];

    public ReportTable(string name, IReadOnlyList<ReportColumn> columns, int maxRows)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Count == 0) throw new ArgumentException("A table needs at least one column.", nameof(columns));
        ArgumentOutOfRangeException.ThrowIfNegative(maxRows);
        Name = name;
        Columns = columns;
        MaxRows = maxRows;
    }

    /// <summary>The sheet's name as given (the writer makes it a valid, unique sheet name).</summary>
    public string Name { get; }

    public IReadOnlyList<ReportColumn> Columns { get; }

    public IReadOnlyList<object?[]> Rows => _rows;

    /// <summary>Rows kept at most.</summary>
    public int MaxRows { get; }

    /// <summary>Rows offered, kept or not.</summary>
    public long OfferedRows { get; private set; }

    /// <summary>True when rows were left out because of <see cref="MaxRows"/>.</summary>
    public bool IsTruncated => OfferedRows > _rows.Count;

    /// <summary>A sentence the summary shows for this sheet (what it holds, how it was ranked, what was left out).</summary>
    public string? Note { get; set; }

    /// <summary>Adds a row of values already in cell form; returns false when the table is full (the row is counted, not kept).</summary>
    public bool Add(object?[] row)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (row.Length != Columns.Count) throw new ArgumentException($"The row has {row.Length} values for {Columns.Count} columns.", nameof(row));
        OfferedRows++;
        if (_rows.Count >= MaxRows) return false;
        _rows.Add(row);
        return true;
    }

    /// <summary>Adds the row when there is room; a row is built only then.</summary>
    internal bool Add(Func<object?[]> row)
    {
        OfferedRows++;
        if (_rows.Count >= MaxRows) return false;
        var values = row();
        if (values.Length != Columns.Count) throw new ArgumentException($"The row has {values.Length} values for {Columns.Count} columns.", nameof(row));
        _rows.Add(values);
        return true;
    }

    /// <summary>Counts rows that were offered elsewhere and left out (a copy of a truncated table).</summary>
    internal void CountLeftOut(long rows) => OfferedRows += rows;
}

/// <summary>The columns of a .NET type's public properties, and how to read a row from an instance (cached per type).</summary>
public sealed class ReportSchema
{
    private static readonly ConcurrentDictionary<Type, ReportSchema> Cache = new();
    private readonly Func<object, object?>[] _getters;

    private ReportSchema(IReadOnlyList<ReportColumn> columns, Func<object, object?>[] getters)
    {
        Columns = columns;
        _getters = getters;
    }

    public IReadOnlyList<ReportColumn> Columns { get; }

    /// <summary>
    /// Every public instance property with a getter and no index, in declaration order. A type with no such property
    /// (a string, a number) is one column named Value.
    /// </summary>
    public static ReportSchema For(Type type) => Cache.GetOrAdd(type, static t =>
    {
        if (t == typeof(string) || t.IsPrimitive || t.IsEnum || t == typeof(decimal) || t == typeof(DateTime) || t == typeof(TimeSpan))
            return new ReportSchema([new ReportColumn("Value", ReportColumn.KindOf("Value", t))], [static o => o]);
        var columns = new List<ReportColumn>();
        var getters = new List<Func<object, object?>>();
        foreach (PropertyInfo p in t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!p.CanRead || p.GetIndexParameters().Length != 0 || p.GetMethod is null || !p.GetMethod.IsPublic) continue;
            columns.Add(new ReportColumn(p.Name, ReportColumn.KindOf(p.Name, p.PropertyType)));
            getters.Add(o => Read(p, o));
        }
        if (columns.Count == 0) return new ReportSchema([new ReportColumn("Value", ReportColumnKind.Text)], [static o => o.ToString()]);
        return new ReportSchema(columns, [.. getters]);
    });

    /// <summary>
    /// The columns a reader of a finding looks at first, in this order, when a type has them: what was found, on which
    /// host, how sure, when, and why. Wide sheets print these leading columns (see <see cref="ExcelWorkbookWriter"/>).
    /// </summary>
    public static readonly IReadOnlyList<string> FindingLeadColumns =
    [
        "Kind", "Technique", "MitreTechnique", "Host", "SrcAddr", "Scanner", "DstAddr", "Peer", "Destination", "DstPort", "Port",
        "Score", "FirstSeen", "LastSeen", "Reason",
    ];

    private static readonly ConcurrentDictionary<Type, ReportSchema> FindingCache = new();

    /// <summary>
    /// The schema of a finding type: <see cref="For"/> with the <see cref="FindingLeadColumns"/> it has moved to the
    /// front (a type with neither a Score nor a Reason keeps its declaration order).
    /// </summary>
    public static ReportSchema ForFinding(Type type) => FindingCache.GetOrAdd(type, static t =>
    {
        var schema = For(t);
        var names = schema.Columns.Select(static c => c.Name).ToList();
        if (!names.Contains("Score") && !names.Contains("Reason")) return schema;
        var order = FindingLeadColumns.Select(n => names.IndexOf(n)).Where(static i => i >= 0).ToList();
        order.AddRange(Enumerable.Range(0, names.Count).Where(i => !order.Contains(i)));
        return new ReportSchema(order.Select(i => schema.Columns[i]).ToList(), order.Select(i => schema._getters[i]).ToArray());
    });

    /// <summary>The row of <paramref name="instance"/> in cell form.</summary>
    public object?[] RowOf(object instance)
    {
        var row = new object?[_getters.Length];
        for (int i = 0; i < row.Length; i++) row[i] = ReportColumn.Normalize(_getters[i](instance), Columns[i].Kind);
        return row;
    }

    private static object? Read(PropertyInfo p, object o)
    {
        try
        {
            return p.GetValue(o);
        }
        catch (TargetInvocationException)
        {
            return null;   // a getter that throws (e.g. a FileInfo property on a deleted file) leaves its cell empty
        }
    }
}
