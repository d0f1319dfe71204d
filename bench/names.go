package bench

// Names of the synthetic staff: frequent Belgian names, with the accents,
// particles and apostrophes that the extranet folds when it recognises a
// person, so that the benchmark exercises the same code paths as real data.

var lastNames = []string{
	"Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters", "De Smet",
	"Dubois", "Lambert", "Dupont", "Martin", "Simon", "Laurent", "Leclercq", "Lejeune", "Renard", "Lemaire",
	"Denis", "Collard", "Dumont", "François", "Hermans", "Michel", "Gérard", "Legrand", "Mathieu", "Noël",
	"Van den Broeck", "Van Damme", "Vandenberghe", "De Backer", "D'Hoore", "Desmet", "Poncelet", "Thiry", "Lefèvre", "Massart",
	"Hubert", "Charlier", "Delvaux", "Jacquet", "Bertrand", "Lebrun", "Bodart", "Piron", "Gilson", "Wilmotte",
	"Lecomte", "Nicolas", "Moreau", "Fontaine", "Henrard", "Deprez", "Marchal", "Closset", "Collignon", "Gillet",
	"Pirard", "Schmitz", "Lallemand", "Bastin", "Dethier", "Gobert", "Léonard", "Wauters", "Lhoest", "Baudoux",
	"Carlier", "Delhaye", "Englebert", "Fraikin", "Grégoire", "Hardy", "Istasse", "Jadot", "Kaïdi", "Leroy",
	"Mahieu", "Nève", "Ory", "Paquet", "Quinet", "Rousseau", "Stévenart", "Tilmant", "Urbain", "Verhaegen",
	"Wéry", "Yilmaz", "Zeegers", "El Amrani", "Ben Ali", "Nguyen", "Kowalski", "Rossi", "García", "Moens",
	"Van Acker", "De Wilde", "Vermeulen", "Smets", "Lenoir", "Dewulf", "Baert", "Cornet", "Dufour", "Evrard",
}

var firstNamesF = []string{
	"Marie", "Sophie", "Julie", "Laura", "Sarah", "Emma", "Léa", "Camille", "Chloé", "Manon",
	"Gaëlle", "Anne-Sophie", "Élodie", "Aurélie", "Céline", "Nathalie", "Isabelle", "Valérie", "Catherine", "Christine",
	"Françoise", "Martine", "Véronique", "Sylvie", "Stéphanie", "Caroline", "Delphine", "Hélène", "Amélie", "Zoé",
	"Noémie", "Inès", "Fatima", "Yasmina", "Ana", "Lucía", "Agnieszka", "Eva", "Louise", "Margaux",
	"Pauline", "Justine", "Mélanie", "Virginie", "Sandrine", "Bénédicte", "Geneviève", "Thérèse", "Anaïs", "Clémence",
}

var firstNamesM = []string{
	"Jean", "Pierre", "Luc", "Marc", "Philippe", "Michel", "Thomas", "Nicolas", "Julien", "Maxime",
	"François", "Jérôme", "Sébastien", "Benoît", "Frédéric", "Cédric", "Grégory", "Olivier", "Vincent", "Laurent",
	"Jean-Marc", "Pierre-Yves", "Éric", "André", "Hervé", "Noël", "Raphaël", "Loïc", "Gaël", "Anaël",
	"Mohamed", "Karim", "Youssef", "Mehmet", "Piotr", "Marco", "Diego", "Louis", "Hugo", "Arthur",
	"Antoine", "Guillaume", "Quentin", "Romain", "Simon", "Bruno", "Didier", "Patrick", "Thierry", "Xavier",
}
