namespace FlowForensics.Export.Templates;

/// <summary>One field of a template: information element id, length (65535 = variable, IPFIX), enterprise number (0 = IANA).</summary>
internal readonly record struct TemplateField(ushort Id, ushort Length, uint Enterprise)
{
    public const ushort VariableLength = 0xFFFF;
    public bool IsVariable => Length == VariableLength;
}

/// <summary>A v9/IPFIX (options) template, parsed once and used as the decode plan for its data records.</summary>
internal sealed class Template
{
    public Template(ushort id, TemplateField[] fields, int scopeCount, bool isOptions)
    {
        Id = id;
        Fields = fields;
        ScopeCount = scopeCount;
        IsOptions = isOptions;
        int min = 0;
        foreach (var f in fields) min += f.IsVariable ? 1 : f.Length;
        MinRecordLength = min;
        Names = new string[fields.Length];
        Kinds = new ElementKind[fields.Length];
        for (int i = 0; i < fields.Length; i++)
        {
            var info = InformationElementTable.Find(fields[i].Enterprise, fields[i].Id);
            Names[i] = info?.Name ?? InformationElementTable.NameOf(fields[i].Enterprise, fields[i].Id);
            Kinds[i] = info?.Kind ?? ElementKind.O;
        }
    }

    /// <summary>Each field's name in the extra fields (resolved once here, not per record).</summary>
    public string[] Names { get; }

    /// <summary>Each field's value kind for the extra fields.</summary>
    public ElementKind[] Kinds { get; }

    public ushort Id { get; }
    public TemplateField[] Fields { get; }
    public int ScopeCount { get; }
    public bool IsOptions { get; }

    /// <summary>The smallest encoding of one record (a variable field takes at least its 1-byte length).</summary>
    public int MinRecordLength { get; }
}
