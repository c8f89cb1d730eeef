using System.Globalization;
using System.Reflection;
using System.Text;
using FlowForensics.Export.Templates;
using FlowForensics.Flows;
using FlowForensics.Tests.Hosting;
using Xunit;

namespace FlowForensics.Tests.Export;

/// <summary>
/// docs/export-fields.md is written from the decoder's own element table (<see cref="InformationElementTable"/>), so the
/// coverage it states cannot drift from the code. Regenerate with
/// <c>FLOWFORENSICS_UPDATE_DOCS=1 dotnet test --filter FullyQualifiedName~ExportFieldsDocTests</c>.
/// </summary>
public sealed class ExportFieldsDocTests
{
    private static string DocPath => RepoPaths.Path("docs", "export-fields.md");

    /// <summary>
    /// Every element nfdump maps in its IPFIX and NetFlow v9 translation tables (phaag/nfdump master 1c9c968, after 1.7.8:
    /// src/netflow/ipfix.c ipfixTranslationMap, src/netflow/netflow_v9.c v9TranslationMap), by id; v9 ids above 32767 are NSEL/nProbe's.
    /// </summary>
    private static readonly ushort[] NfdumpMapped =
    [
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 21, 22, 23, 24, 27, 28, 29, 30, 32, 38, 39, 48, 52, 53, 55, 56,
        57, 58, 59, 60, 61, 62, 63, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 85, 86, 89, 95, 128, 129, 136, 138, 139, 148, 149,
        150, 151, 152, 153, 156, 157, 158, 159, 160, 161, 171, 172, 176, 177, 178, 179, 180, 181, 182, 183, 192, 197, 225, 226, 227,
        228, 230, 231, 232, 233, 234, 235, 239, 243, 245, 252, 253, 254, 255, 256, 278, 281, 282, 283, 298, 299, 302, 312, 315, 323,
        361, 362, 363, 364, 408, 33000, 33001, 33002, 40000, 40001, 40002, 40003, 40004, 40005, 57554, 57555, 57556, 57557, 57558, 57559,
    ];

    [Fact]
    public void EveryElementNfdumpMapsIsTypedOrNamed()
    {
        foreach (ushort id in NfdumpMapped)
        {
            var e = InformationElementTable.Find(0, id);
            Assert.True(e is not null, $"element {id} (mapped by nfdump) is not in InformationElementTable");
            Assert.True(e!.Value.Ignored is null, $"element {id} {e.Value.Name} is mapped by nfdump but ignored here");
        }
    }

    [Fact]
    public void EveryPropertyNamedInTheTableExistsOnFlowRecord()
    {
        var properties = typeof(FlowRecord).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(static p => p.Name).ToHashSet();
        foreach (var e in InformationElementTable.All)
            if (e.Property is { } p) Assert.True(properties.Contains(p), $"{e.Name}: FlowRecord has no property {p}");
        Assert.Equal(InformationElementTable.All.Length, InformationElementTable.All.Select(static e => (e.Enterprise, e.Id)).Distinct().Count());
    }

    [Fact]
    public void TheDocumentIsGeneratedFromTheTable()
    {
        string expected = Generate();
        if (Environment.GetEnvironmentVariable("FLOWFORENSICS_UPDATE_DOCS") == "1") File.WriteAllText(DocPath, expected);
        Assert.True(File.Exists(DocPath), "docs/export-fields.md is missing: generate it with FLOWFORENSICS_UPDATE_DOCS=1");
        Assert.True(expected == File.ReadAllText(DocPath).ReplaceLineEndings("\n"),
            "docs/export-fields.md is stale: regenerate it with FLOWFORENSICS_UPDATE_DOCS=1 dotnet test --filter FullyQualifiedName~ExportFieldsDocTests");
    }

    private static string Where(ElementInfo e)
    {
        string where = e.Ignored is { } why ? "ignored: " + why
            : e.Property is { } p ? $"`{p}`"
            : $"extra `{e.Name}`";
        if (e.Enterprise == 0 && InformationElementTable.Notes.TryGetValue(e.Id, out var note)) where += "; " + note;
        return where;
    }

    private static string Kind(ElementKind k) => k switch
    {
        ElementKind.U => "unsigned", ElementKind.I => "signed", ElementKind.F => "float", ElementKind.V4 => "IPv4", ElementKind.V6 => "IPv6",
        ElementKind.Mac => "MAC", ElementKind.S => "string", _ => "octets (hex)",
    };

    internal static string Generate()
    {
        var ci = CultureInfo.InvariantCulture;
        var mapped = NfdumpMapped.ToHashSet();
        var sb = new StringBuilder();
        sb.Append("""
            # Export fields: where every element lands

            <!-- Generated from src/FlowForensics/Export/Templates/InformationElementTable.cs by ExportFieldsDocTests; do not edit by hand.
                 Regenerate: FLOWFORENSICS_UPDATE_DOCS=1 dotnet test tests/FlowForensics.Tests -c Release --no-build --filter FullyQualifiedName~ExportFieldsDocTests -->

            What the NetFlow v9 and IPFIX decoders do with each information element a device sends:

            - **a typed property** of `FlowRecord` (`Bytes`, `NatSrcAddr`, `ApplicationName` …): filterable and countable;
            - **extra `name`**: the record's `ExtraFields`, `name=value` entries joined by `;` in template order: numbers in decimal,
              addresses and MACs as text, strings as text (`;`, `=`, `%` and control characters percent-encoded), other bytes as hex.
              Not stored in nfcapd files (no nfdump extension carries them);
            - **ignored**, with the reason.

            Elements of an enterprise not listed below land as extra `PEN.id` (e.g. `99999.5`), of a listed enterprise without a
            known name as extra `vendor.id` (e.g. `juniper.137`), and IANA ids not in the table as extra `ie.id`. RFC 5103 reverse
            elements (enterprise 29305) are named `reverse` + the forward name (e.g. `reverseOctetDeltaCount`). The raw
            `EnterpriseFields` (`PEN.id=hex`) is still filled for every enterprise element.

            The *nfdump* column marks the elements nfdump maps into its records (phaag/nfdump `ipfixTranslationMap` and
            `v9TranslationMap`, master 1c9c968 after 1.7.8); a test asserts that each of them is typed or named here.
            Option tables (NBAR applications, interface names, samplers) are remembered per exporter and applied to records
            decoded after them; they are not saved with `-TemplateFile` and come back with the exporter's next refresh.

            ## IANA information elements (NetFlow v9 field types 1–433 are the same numbers)

            | id | name | kind | nfdump | where it lands |
            |---:|---|---|:---:|---|

            """.Replace("            ", "", StringComparison.Ordinal));
        foreach (var e in InformationElementTable.All.Where(static e => e.Enterprise == 0 && e.Id < 32768))
            sb.Append(ci, $"| {e.Id} | {e.Name} | {Kind(e.Kind)} | {(mapped.Contains(e.Id) ? "✓" : "")} | {Where(e)} |\n");
        sb.Append("""

            ## NetFlow v9 vendor field types (above 32767: Cisco ASA NSEL, Palo Alto, nProbe)

            | id | name | kind | nfdump | where it lands |
            |---:|---|---|:---:|---|

            """.Replace("            ", "", StringComparison.Ordinal));
        foreach (var e in InformationElementTable.All.Where(static e => e.Enterprise == 0 && e.Id >= 32768))
            sb.Append(ci, $"| {e.Id} | {e.Name} | {Kind(e.Kind)} | {(mapped.Contains(e.Id) ? "✓" : "")} | {Where(e)} |\n");
        sb.Append("""

            ## Enterprise-specific elements (IPFIX)

            | PEN | vendor | id | name | kind | where it lands |
            |---:|---|---:|---|---|---|

            """.Replace("            ", "", StringComparison.Ordinal));
        foreach (var e in InformationElementTable.All.Where(static e => e.Enterprise != 0))
            sb.Append(ci, $"| {e.Enterprise} | {InformationElementTable.Vendors[e.Enterprise]} | {e.Id} | {e.Name} | {Kind(e.Kind)} | {Where(e)} |\n");
        sb.Append("""

            ## Enterprise numbers with a name prefix

            | PEN | prefix |
            |---:|---|

            """.Replace("            ", "", StringComparison.Ordinal));
        foreach (var (pen, name) in InformationElementTable.Vendors.OrderBy(static kv => kv.Key))
            sb.Append(ci, $"| {pen} | {name} |\n");
        return sb.ToString();
    }
}
