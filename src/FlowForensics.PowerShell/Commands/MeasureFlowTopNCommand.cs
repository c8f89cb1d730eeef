using System.Management.Automation;
using FlowForensics.Analysis.TopN;
using FlowForensics.Flows;
using FlowForensics.PowerShell.Completers;
using FlowForensics.PowerShell.Infrastructure;
using FlowForensics.Storage;

namespace FlowForensics.PowerShell.Commands;

/// <summary>
/// nfdump's <c>-s</c> statistics (one property) and <c>-A</c> aggregation (several), plus distinct counts per key:
/// <c>Get-FlowRecord ... | Measure-FlowTopN -Property SrcAddr -OrderBy Bytes -Top 10</c>, or straight from nfcapd
/// files with <c>-Path</c> (the engine reads the files itself: no pipeline object per flow).
/// Records are accumulated as they come; the rows are written at the end, best first.
/// </summary>
[Cmdlet(VerbsDiagnostic.Measure, "FlowTopN", DefaultParameterSetName = InputObjectSet, HelpUri = HelpLinks.CmdletPages + "Measure-FlowTopN.md")]
[OutputType(typeof(TopNRow))]
public sealed class MeasureFlowTopNCommand : FlowAnalysisCmdlet
{
    /// <summary>The type name rows carry with -Distinct, which selects the table view that shows the counts.</summary>
    public const string DistinctRowTypeName = "FlowForensics.Analysis.TopN.TopNRow#Distinct";

    /// <summary>The type name rows carry when a key is longer than <see cref="ShortKeyLength"/>: it selects the table view
    /// that keeps a long key whole and the times visible in 120 columns (module/FlowForensics.Analysis.format.ps1xml).</summary>
    public const string WideKeyRowTypeName = "FlowForensics.Analysis.TopN.TopNRow#WideKey";

    /// <summary>The longest key the full table (counts with percentages, times, rates) shows in 120 columns: an IPv4
    /// address with a prefix, <c>255.255.255.255/32</c>.</summary>
    public const int ShortKeyLength = 18;

    private TopNAggregator? _aggregator;

    /// <summary>The key: one property (nfdump -s) or several (nfdump -A). SrcAddr, DstAddr, Address, SrcNet/N, DstNet/N, Net/N, SrcPort, DstPort, Port, Protocol, SrcAs, DstAs, As, InputInterface, OutputInterface, Interface, SrcTos, DstTos, Tos, SrcVlan, DstVlan, Vlan, Conversation; nfdump's names (srcip, dstport, proto, record ...) work too.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(TopNPropertyCompleter))]
    public string[] Property { get; set; } = [];

    /// <summary>The ranking (nfdump's order): Flows (default), Packets, Bytes, Pps, Bps, Bpp descending; Start, End ascending.</summary>
    [Parameter]
    public TopNOrder OrderBy { get; set; } = TopNOrder.Flows;

    /// <summary>Rows written; 0 = all (nfdump -n).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Top { get; set; } = 10;

    /// <summary>A record and its reverse count as one key (nfdump -b).</summary>
    [Parameter]
    public SwitchParameter Bidirectional { get; set; }

    /// <summary>Count distinct values of these fields per key (fan-out): SrcAddr, DstAddr, SrcPort, DstPort, Protocol.</summary>
    [Parameter]
    public TopNDistinctField[] Distinct { get; set; } = [];

    protected override void BeginAnalysis()
    {
        var properties = new List<TopNProperty>(Property.Length);
        foreach (string name in Property)
        {
            if (!TopNProperty.TryParse(name, out var p, out string? error))
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException(error), ErrorIds.TopNPropertyInvalid, ErrorCategory.InvalidArgument, name));
                return;
            }
            properties.Add(p!);
        }
        var options = new TopNOptions(properties)
        {
            Order = OrderBy,
            Top = Top,
            Bidirectional = Bidirectional.IsPresent,
            Distinct = Distinct,
        };
        try
        {
            _aggregator = new TopNAggregator(options);
        }
        catch (ArgumentException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, ErrorIds.TopNPropertyInvalid, ErrorCategory.InvalidArgument, string.Join(",", Property)));
        }
    }

    protected override string ProgressActivity => "Measuring top N";

    protected override void AddFlow(FlowRecord flow) => _aggregator!.Add(flow);

    protected override void EndAnalysis()
    {
        var aggregator = _aggregator!;
        WriteVerbose($"{aggregator.RecordCount:N0} flows counted, {aggregator.KeyCount:N0} distinct keys.");
        IReadOnlyList<TopNRow> rows = aggregator.GetRows();
        // Rows with distinct counts, or with a key too long for the full table, get their own table view
        // (module/FlowForensics.Analysis.format.ps1xml); all rows of a run share one, so they form one table.
        string? typeName = Distinct.Length > 0 ? DistinctRowTypeName : LongestKey(rows) > ShortKeyLength ? WideKeyRowTypeName : null;
        foreach (var row in rows)
        {
            ThrowIfStopping();
            if (typeName is null)
            {
                WriteObject(row);
                continue;
            }
            var wrapped = PSObject.AsPSObject(row);
            wrapped.TypeNames.Insert(0, typeName);
            WriteObject(wrapped);
        }
        aggregator.ReleaseMemory();   // the rows are built: the next query in this session reuses the table's memory
    }

    private static int LongestKey(IReadOnlyList<TopNRow> rows)
    {
        int longest = 0;
        foreach (var row in rows) longest = Math.Max(longest, row.Key.Length);
        return longest;
    }

    /// <summary>The engine reads the query on several threads (see TopNAggregator.AddQuery); errors and progress come back on this thread.</summary>
    protected override long ReadFiles(FlowQuery query) => _aggregator!.AddQuery(query, TopNAggregator.DefaultParallelism, CancelToken);
}
